package models

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/nlpodyssey/safetensors"

	"github.com/pal-harness/pal/datasets"
	"github.com/pal-harness/pal/internal/atomicfile"
	"github.com/pal-harness/pal/internal/regular"
)

// The model file is a safetensors file (huggingface.co/docs/safetensors): an 8-byte
// little-endian header length, a JSON header naming every tensor with its dtype, shape and byte
// range plus a "__metadata__" map of strings, then the raw little-endian tensor bytes. Every
// tensor is F64, the precision pal trains in, so a model loads back bit for bit. Python reads it
// with safetensors.numpy.load_file, metadata with safe_open(path, "np").metadata().
//
// Tensors (MLP layers are numbered from 0; a linear layer computes y = x W + b, so its weight is
// stored [in, out], the transpose of torch.nn.Linear's):
//
//	f.<l>.weight, f.<l>.bias     the item map f
//	g<k>.<l>.weight, g<k>.<l>.bias  PAL-B's prompt maps g_k
//	P                            PAL-A's prototypes [K, D] (or [K, d] for ideal_point = "Pw")
//	W                            seen users' raw weights [seen users, K]: w = softmax(W/tau)
//	W_unseen                     unseen users' raw weights after few-shot fitting [unseen users, K]
//	logit_scale                  theta [1] (scores angle, angle_hinge, dist_logistic): s = min(e^theta, 100)
//
// Metadata (all values are strings; JSON where structured): see the meta* constants.
const (
	ModelFormat      = "pal-model"
	ModelFileVersion = 1

	metaFormat      = "format"       // "pal-model"
	metaVersion     = "version"      // "1"
	metaKind        = "kind"         // the model kind as in a spec: "pal-a", "pal-b", "btl", ...
	metaConfig      = "config"       // JSON object: the model config, keys as in a spec
	metaItemDim     = "item_dim"     // D
	metaPromptDim   = "prompt_dim"   // prompt dimension (0 for PAL-A)
	metaK           = "k"            // K, mixture weights per user (0: the model ignores the user)
	metaUsers       = "users"        // JSON array: seen user IDs in W's row order
	metaUnseenUsers = "unseen_users" // JSON array: unseen user IDs in W_unseen's row order
)

// ModelInfo is what a model file's header says besides its tensors.
type ModelInfo struct {
	Kind        string
	Version     int
	ItemDim     int
	PromptDim   int
	K           int
	Users       []string       // seen users, in the row order of W
	UnseenUsers []string       // unseen users, in the row order of W_unseen
	Config      map[string]any // the resolved model config, keys as in a spec
	// Extra holds any other metadata (SaveModel's extra argument: run id, dataset
	// fingerprint, pal version).
	Extra map[string]string
}

// Saveable is a fitted model that SaveModel can write and `pal score` can serve: PAL-A, PAL-B,
// BTL, and any model kind outside this package that fills a ModelFile.
type Saveable interface {
	ModelFile() ModelFile
}

// ModelFile is what a model file holds besides its config: the kind, the users and dimensions
// of the data set it was fitted on, and its parameters by name.
type ModelFile struct {
	Kind string // the kind's name in a spec ("pal-a", "btl", ...)
	// Data gives the item and prompt dimensions and the users, in the row order of the
	// user-weight tensors W (seen users) and W_unseen (unseen users).
	Data *datasets.Data
	// K is the number of mixture weights per user: 0 for a model that ignores the user.
	K       int
	Tensors map[string]Tensor
}

// Tensor is one named parameter array: its shape and row-major float64 values.
type Tensor struct {
	Shape []uint64
	Data  []float64
}

// MLPTensors adds the layers of m to out: <name>.<l>.weight [in, out] and <name>.<l>.bias.
func MLPTensors(m *MLP, out map[string]Tensor) {
	for _, l := range m.layers {
		out[l.w.Name] = Tensor{[]uint64{uint64(l.in), uint64(l.out)}, l.w.Value}
		out[l.b.Name] = Tensor{[]uint64{uint64(l.out)}, l.b.Value}
	}
}

func (h *head) tensors(out map[string]Tensor) {
	if h.theta != nil {
		out[h.theta.Name] = Tensor{[]uint64{1}, h.theta.Value}
	}
}

// Tensors adds the user weights to out: W [seen users, K] and W_unseen [unseen users, K].
func (t *UserTable) Tensors(out map[string]Tensor) {
	k := uint64(t.k)
	out[t.seenW.Name] = Tensor{[]uint64{uint64(len(t.seenW.Value)) / k, k}, t.seenW.Value}
	out[t.unseenW.Name] = Tensor{[]uint64{uint64(len(t.unseenW.Value)) / k, k}, t.unseenW.Value}
}

// ModelFile implements Saveable.
func (m *PALA) ModelFile() ModelFile {
	ts := map[string]Tensor{}
	MLPTensors(m.f, ts)
	ts[m.P.Name] = Tensor{[]uint64{uint64(m.cfg.K), uint64(m.pDim())}, m.P.Value}
	m.UserTable.Tensors(ts)
	m.head.tensors(ts)
	return ModelFile{Kind: "pal-a", Data: m.ds, K: m.cfg.K, Tensors: ts}
}

// ModelFile implements Saveable.
func (m *PALB) ModelFile() ModelFile {
	ts := map[string]Tensor{}
	MLPTensors(m.f, ts)
	for _, g := range m.g {
		MLPTensors(g, ts)
	}
	m.UserTable.Tensors(ts)
	m.head.tensors(ts)
	return ModelFile{Kind: "pal-b", Data: m.ds, K: m.cfg.K, Tensors: ts}
}

// SaveModel writes m to path as a safetensors model file (format above), atomically: a
// temporary file in the same folder, synced, then renamed. config is the model's config keyed
// as in a spec (sweeps.ConfigFields); extra adds metadata entries (for example the run id); it
// may not replace the reserved keys.
func SaveModel(path string, m Saveable, config map[string]any, extra map[string]string) error {
	data, err := EncodeModel(m, config, extra)
	if err != nil {
		return err
	}
	return atomicfile.Write(path, data)
}

// EncodeModel returns the bytes of m's model file (see SaveModel).
func EncodeModel(m Saveable, config map[string]any, extra map[string]string) ([]byte, error) {
	mf := m.ModelFile()
	ds := mf.Data
	var seen, unseen []string
	for _, u := range ds.Users {
		if u.Seen {
			seen = append(seen, u.ID)
		} else {
			unseen = append(unseen, u.ID)
		}
	}
	if mf.K == 0 { // the model ignores the user: the file lists none
		seen, unseen = nil, nil
	}
	meta := map[string]string{}
	for k, v := range extra {
		meta[k] = v
	}
	cfgJSON, err := json.Marshal(config)
	if err != nil {
		return nil, fmt.Errorf("saving model: encoding its config: %w", err)
	}
	for k, v := range map[string]string{
		metaFormat:      ModelFormat,
		metaVersion:     strconv.Itoa(ModelFileVersion),
		metaKind:        mf.Kind,
		metaConfig:      string(cfgJSON),
		metaItemDim:     strconv.Itoa(ds.Dim),
		metaPromptDim:   strconv.Itoa(ds.PromptDim),
		metaK:           strconv.Itoa(mf.K),
		metaUsers:       jsonStrings(seen),
		metaUnseenUsers: jsonStrings(unseen),
	} {
		if _, ok := meta[k]; ok {
			return nil, fmt.Errorf("saving model: extra metadata key %q is reserved", k)
		}
		meta[k] = v
	}
	views := map[string]safetensors.TensorView{}
	for name, t := range mf.Tensors {
		if err := CheckFinite([]*Param{{Name: name, Value: t.Data}}); err != nil {
			return nil, fmt.Errorf("saving model: %w", err)
		}
		buf := make([]byte, 8*len(t.Data))
		for i, v := range t.Data {
			binary.LittleEndian.PutUint64(buf[8*i:], math.Float64bits(v))
		}
		tv, err := safetensors.NewTensorView(safetensors.F64, t.Shape, buf)
		if err != nil {
			return nil, fmt.Errorf("saving model: tensor %s: %w", name, err)
		}
		views[name] = tv
	}
	data, err := safetensors.Serialize(views, meta)
	if err != nil {
		return nil, fmt.Errorf("saving model: %w", err)
	}
	return data, nil
}

func jsonStrings(s []string) string {
	if s == nil {
		s = []string{}
	}
	b, _ := json.Marshal(s) // a []string always encodes
	return string(b)
}

// readModelFile parses a model file into its metadata and tensors, checking the format. It
// reads regular files only (internal/regular) and checks the sizes the header declares against
// the file's size (checkModelSizes) before the safetensors decoder sees the bytes.
func readModelFile(path string) (info ModelInfo, _ map[string]Tensor, err error) {
	raw, err := regular.ReadFile(path)
	if err != nil {
		return info, nil, err
	}
	if err := checkModelSizes(path, raw); err != nil {
		return info, nil, err
	}
	defer func() {
		// The decoder trusts its input in places; a file must never crash pal.
		if r := recover(); r != nil {
			err = fmt.Errorf("%s is not a readable safetensors file (%v): pal writes model files with `pal run --save-models`", path, r)
		}
	}()
	st, err := safetensors.Deserialize(raw)
	if err != nil {
		return info, nil, fmt.Errorf("%s is not a safetensors file (%v): pal writes model files with `pal run --save-models`", path, err)
	}
	_, md, err := safetensors.ReadMetadata(raw)
	if err != nil {
		return info, nil, fmt.Errorf("%s: reading its header: %w", path, err)
	}
	meta := md.Metadata()
	if meta[metaFormat] != ModelFormat {
		return info, nil, fmt.Errorf("%s is a safetensors file but not a pal model (its metadata has format %q, want %q)", path, meta[metaFormat], ModelFormat)
	}
	info.Version, err = strconv.Atoi(meta[metaVersion])
	if err != nil || info.Version < 1 || info.Version > ModelFileVersion {
		return info, nil, fmt.Errorf("%s has model file version %q; this pal reads versions 1 to %d: use a newer pal", path, meta[metaVersion], ModelFileVersion)
	}
	info.Kind = meta[metaKind]
	ints := map[string]*int{metaItemDim: &info.ItemDim, metaPromptDim: &info.PromptDim, metaK: &info.K}
	for key, dst := range ints {
		if *dst, err = strconv.Atoi(meta[key]); err != nil {
			return info, nil, fmt.Errorf("%s: metadata %q = %q is not an integer", path, key, meta[key])
		}
	}
	for key, dst := range map[string]*[]string{metaUsers: &info.Users, metaUnseenUsers: &info.UnseenUsers} {
		if err := json.Unmarshal([]byte(meta[key]), dst); err != nil {
			return info, nil, fmt.Errorf("%s: metadata %q is not a JSON list of user IDs: %v", path, key, err)
		}
	}
	dec := json.NewDecoder(strings.NewReader(meta[metaConfig]))
	dec.UseNumber()
	if err := dec.Decode(&info.Config); err != nil {
		return info, nil, fmt.Errorf("%s: metadata %q is not a JSON object: %v", path, metaConfig, err)
	}
	info.Extra = map[string]string{}
	for k, v := range meta {
		switch k {
		case metaFormat, metaVersion, metaKind, metaConfig, metaItemDim, metaPromptDim, metaK, metaUsers, metaUnseenUsers:
		default:
			info.Extra[k] = v
		}
	}
	ts := map[string]Tensor{}
	for _, nt := range st.Tensors() {
		tv := nt.TensorView
		if tv.DType() != safetensors.F64 {
			return info, nil, fmt.Errorf("%s: tensor %s has dtype %s, want F64", path, nt.Name, tv.DType())
		}
		b := tv.Data()
		vals := make([]float64, len(b)/8)
		for i := range vals {
			vals[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))
		}
		ts[nt.Name] = Tensor{append([]uint64(nil), tv.Shape()...), vals}
	}
	return info, ts, nil
}

// checkModelSizes checks what a safetensors header declares against the file's size: the
// 8-byte header length, then every tensor's byte range against the bytes after the header.
// Errors name the file, the declared and the actual size.
func checkModelSizes(path string, raw []byte) error {
	const fix = "the file is truncated or not a model file: pal writes model files with `pal run --save-models`"
	if len(raw) < 8 {
		return fmt.Errorf("%s has only %d bytes: a safetensors file starts with an 8-byte header length; %s", path, len(raw), fix)
	}
	if len(raw) > 8 && raw[8] != '{' {
		return fmt.Errorf("%s is not a safetensors file (no JSON header after the 8-byte header length): pal writes model files with `pal run --save-models`", path)
	}
	n := binary.LittleEndian.Uint64(raw)
	if n > uint64(len(raw)-8) {
		return fmt.Errorf("%s is truncated: its header declares %d bytes of header but the file holds %d after the 8-byte length: %s", path, n, len(raw)-8, fix)
	}
	var header map[string]json.RawMessage
	if err := json.Unmarshal(raw[8:8+n], &header); err != nil {
		return fmt.Errorf("%s is not a safetensors file (its header is not a JSON object: %v): pal writes model files with `pal run --save-models`", path, err)
	}
	have := uint64(len(raw)) - 8 - n
	var need uint64
	for name, msg := range header {
		if name == "__metadata__" {
			continue
		}
		var t struct {
			Offsets []uint64 `json:"data_offsets"`
		}
		if err := json.Unmarshal(msg, &t); err != nil || len(t.Offsets) != 2 || t.Offsets[1] < t.Offsets[0] {
			return fmt.Errorf("%s: tensor %q has no valid data_offsets [start, end] in the header: %s", path, name, fix)
		}
		need = max(need, t.Offsets[1])
	}
	if need > have {
		return fmt.Errorf("%s is truncated: its header declares %d bytes of tensor data but the file holds %d after the header: %s", path, need, have, fix)
	}
	return nil
}

// loadParams copies the file's tensors into ps, requiring exactly one tensor of the right size
// per parameter and no tensor left over.
func loadParams(path string, ps []*Param, ts map[string]Tensor) error {
	used := map[string]bool{}
	for _, p := range ps {
		t, ok := ts[p.Name]
		if !ok {
			return fmt.Errorf("%s has no tensor %s, which its config needs: the file is damaged or was written for another config", path, p.Name)
		}
		if len(t.Data) != len(p.Value) {
			return fmt.Errorf("%s: tensor %s has %d values (shape %v), the config needs %d", path, p.Name, len(t.Data), t.Shape, len(p.Value))
		}
		copy(p.Value, t.Data)
		used[p.Name] = true
	}
	var extra []string
	for name := range ts {
		if !used[name] {
			extra = append(extra, name)
		}
	}
	if len(extra) > 0 {
		sort.Strings(extra)
		return fmt.Errorf("%s has tensors %v that its config does not use: the file is damaged or was written for another config", path, extra)
	}
	return nil
}
