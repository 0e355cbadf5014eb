package models

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/nlpodyssey/safetensors"

	"github.com/pal-harness/pal/datasets"
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
	metaKind        = "kind"         // "pal-a" or "pal-b"
	metaConfig      = "config"       // JSON object: the model config, keys as in a spec
	metaItemDim     = "item_dim"     // D
	metaPromptDim   = "prompt_dim"   // prompt dimension (0 for PAL-A)
	metaK           = "k"            // K
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

// Saveable is a fitted model that SaveModel can write: *PALA or *PALB.
type Saveable interface {
	fileContents() (kind string, cfg any, ds *datasets.Data, tensors map[string]tensor)
}

type tensor struct {
	shape []uint64
	data  []float64
}

func mlpTensors(m *MLP, out map[string]tensor) {
	for _, l := range m.layers {
		out[l.w.Name] = tensor{[]uint64{uint64(l.in), uint64(l.out)}, l.w.Value}
		out[l.b.Name] = tensor{[]uint64{uint64(l.out)}, l.b.Value}
	}
}

func (h *head) tensors(out map[string]tensor) {
	if h.theta != nil {
		out[h.theta.Name] = tensor{[]uint64{1}, h.theta.Value}
	}
}

func (t *userTable) tensors(out map[string]tensor) {
	k := uint64(t.k)
	out[t.seenW.Name] = tensor{[]uint64{uint64(len(t.seenW.Value)) / k, k}, t.seenW.Value}
	out[t.unseenW.Name] = tensor{[]uint64{uint64(len(t.unseenW.Value)) / k, k}, t.unseenW.Value}
}

func (m *PALA) fileContents() (string, any, *datasets.Data, map[string]tensor) {
	ts := map[string]tensor{}
	mlpTensors(m.f, ts)
	ts[m.P.Name] = tensor{[]uint64{uint64(m.cfg.K), uint64(m.pDim())}, m.P.Value}
	m.userTable.tensors(ts)
	m.head.tensors(ts)
	return "pal-a", &m.cfg, m.ds, ts
}

func (m *PALB) fileContents() (string, any, *datasets.Data, map[string]tensor) {
	ts := map[string]tensor{}
	mlpTensors(m.f, ts)
	for _, g := range m.g {
		mlpTensors(g, ts)
	}
	m.userTable.tensors(ts)
	m.head.tensors(ts)
	return "pal-b", &m.cfg, m.ds, ts
}

// SaveModel writes m to path as a safetensors model file (format above), atomically: a
// temporary file in the same folder, synced, then renamed. extra adds metadata entries (for
// example the run id); it may not replace the reserved keys.
func SaveModel(path string, m Saveable, extra map[string]string) error {
	kind, cfg, ds, ts := m.fileContents()
	var seen, unseen []string
	for _, u := range ds.Users {
		if u.Seen {
			seen = append(seen, u.ID)
		} else {
			unseen = append(unseen, u.ID)
		}
	}
	meta := map[string]string{}
	for k, v := range extra {
		meta[k] = v
	}
	cfgJSON, err := json.Marshal(ConfigFields(cfg))
	if err != nil {
		return fmt.Errorf("saving model: encoding its config: %w", err)
	}
	for k, v := range map[string]string{
		metaFormat:      ModelFormat,
		metaVersion:     strconv.Itoa(ModelFileVersion),
		metaKind:        kind,
		metaConfig:      string(cfgJSON),
		metaItemDim:     strconv.Itoa(ds.Dim),
		metaPromptDim:   strconv.Itoa(ds.PromptDim),
		metaK:           strconv.Itoa(int(ts["W"].shape[1])),
		metaUsers:       jsonStrings(seen),
		metaUnseenUsers: jsonStrings(unseen),
	} {
		if _, ok := meta[k]; ok {
			return fmt.Errorf("saving model: extra metadata key %q is reserved", k)
		}
		meta[k] = v
	}
	views := map[string]safetensors.TensorView{}
	for name, t := range ts {
		buf := make([]byte, 8*len(t.data))
		for i, v := range t.data {
			binary.LittleEndian.PutUint64(buf[8*i:], math.Float64bits(v))
		}
		tv, err := safetensors.NewTensorView(safetensors.F64, t.shape, buf)
		if err != nil {
			return fmt.Errorf("saving model: tensor %s: %w", name, err)
		}
		views[name] = tv
	}
	data, err := safetensors.Serialize(views, meta)
	if err != nil {
		return fmt.Errorf("saving model: %w", err)
	}
	return writeAtomic(path, data)
}

func jsonStrings(s []string) string {
	if s == nil {
		s = []string{}
	}
	b, _ := json.Marshal(s) // a []string always encodes
	return string(b)
}

// writeAtomic replaces path with data via a synced temporary file and a rename, so a crash
// leaves the old file or the new one, never a torn one.
func writeAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("saving model: %w", err)
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o644)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("saving model %s: %w", path, err)
	}
	return nil
}

// readModelFile parses a model file into its metadata and tensors, checking the format. It
// reads regular files only (internal/regular) and checks the sizes the header declares against
// the file's size (checkModelSizes) before the safetensors decoder sees the bytes.
func readModelFile(path string) (info ModelInfo, _ map[string]tensor, err error) {
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
	ts := map[string]tensor{}
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
		ts[nt.Name] = tensor{append([]uint64(nil), tv.Shape()...), vals}
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

// minParams is a lower bound on the parameters a model of this kind, config and shape holds
// (f, PAL-B's g_k, P and the users' weights), computed without building it, saturating at
// math.MaxInt. LoadModel compares it with the values the file holds before allocating
// anything from the config, so a file cannot make pal allocate more than its own size.
func minParams(kind string, mlp MLPConfig, k, itemDim, promptDim, users int, idealPoint string) int {
	add := func(a, b int) int {
		if a > math.MaxInt-b {
			return math.MaxInt
		}
		return a + b
	}
	mul := func(a, b int) int {
		if a != 0 && b > math.MaxInt/a {
			return math.MaxInt
		}
		return a * b
	}
	mlpParams := func(in int) int {
		n, d := 0, in
		for i := 0; i <= mlp.Layers && n < math.MaxInt; i++ {
			n = add(n, add(mul(d, mlp.Width), mlp.Width))
			d = mlp.Width
		}
		return n
	}
	n := add(mlpParams(itemDim), mul(users, k))
	switch kind {
	case "pal-a":
		pDim := itemDim
		if idealPoint == "Pw" {
			pDim = mlp.Width
		}
		n = add(n, mul(k, pDim))
	case "pal-b":
		n = add(n, mul(k, mlpParams(promptDim)))
	}
	return n
}

// checkShape refuses config and metadata values no model has (NewMLP and the user table would
// panic on negative sizes) and a model larger than the values the file holds.
func checkShape(path string, info ModelInfo, mlp MLPConfig, k int, idealPoint string, ts map[string]tensor) error {
	switch {
	case mlp.Width < 1:
		return fmt.Errorf("%s: config width = %d, want >= 1: the file is damaged", path, mlp.Width)
	case mlp.Layers < 0:
		return fmt.Errorf("%s: config layers = %d, want >= 0: the file is damaged", path, mlp.Layers)
	case k < 1:
		return fmt.Errorf("%s: config k = %d, want >= 1: the file is damaged", path, k)
	case info.PromptDim < 0:
		return fmt.Errorf("%s: prompt_dim %d, want >= 0: the file is damaged", path, info.PromptDim)
	}
	have := 0
	for _, t := range ts {
		have += len(t.data)
	}
	users := len(info.Users) + len(info.UnseenUsers)
	if need := minParams(info.Kind, mlp, k, info.ItemDim, info.PromptDim, users, idealPoint); need > have {
		return fmt.Errorf("%s: its config and metadata (item_dim %d, prompt_dim %d, k %d, width %d, layers %d, %d users) describe a model of at least %d parameters but the file holds %d values: the file is damaged or was edited",
			path, info.ItemDim, info.PromptDim, k, mlp.Width, mlp.Layers, users, need, have)
	}
	return nil
}

// loadParams copies the file's tensors into ps, requiring exactly one tensor of the right size
// per parameter and no tensor left over.
func loadParams(path string, ps []*Param, ts map[string]tensor) error {
	used := map[string]bool{}
	for _, p := range ps {
		t, ok := ts[p.Name]
		if !ok {
			return fmt.Errorf("%s has no tensor %s, which its config needs: the file is damaged or was written for another config", path, p.Name)
		}
		if len(t.data) != len(p.Value) {
			return fmt.Errorf("%s: tensor %s has %d values (shape %v), the config needs %d", path, p.Name, len(t.data), t.shape, len(p.Value))
		}
		copy(p.Value, t.data)
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

// ConfigFields returns the fields of a config struct keyed by their toml tags, embedded
// structs flattened: the form a spec and result.json use.
func ConfigFields(cfg any) map[string]any {
	out := map[string]any{}
	walkFields(reflect.ValueOf(cfg).Elem(), func(key string, v reflect.Value) { out[key] = v.Interface() })
	return out
}

// setConfigFields fills a config struct from fields keyed by toml tags (as ConfigFields wrote
// them and JSON decoded them with UseNumber): every field must be present and of its type.
func setConfigFields(cfg any, fields map[string]any) error {
	var err error
	seen := map[string]bool{}
	walkFields(reflect.ValueOf(cfg).Elem(), func(key string, v reflect.Value) {
		if err != nil {
			return
		}
		seen[key] = true
		raw, ok := fields[key]
		if !ok {
			err = fmt.Errorf("config has no %q", key)
			return
		}
		bad := func() { err = fmt.Errorf("config %q = %v is not a %s", key, raw, v.Kind()) }
		switch v.Kind() {
		case reflect.Int:
			n, ok := raw.(json.Number)
			i, e := n.Int64()
			if !ok || e != nil {
				bad()
				return
			}
			v.SetInt(i)
		case reflect.Float64:
			n, ok := raw.(json.Number)
			f, e := n.Float64()
			if !ok || e != nil {
				bad()
				return
			}
			v.SetFloat(f)
		case reflect.String:
			s, ok := raw.(string)
			if !ok {
				bad()
				return
			}
			v.SetString(s)
		case reflect.Bool:
			b, ok := raw.(bool)
			if !ok {
				bad()
				return
			}
			v.SetBool(b)
		default:
			err = fmt.Errorf("config %q has unsupported kind %s", key, v.Kind())
		}
	})
	if err != nil {
		return err
	}
	for key := range fields {
		if !seen[key] {
			return fmt.Errorf("config has unknown key %q (written by a newer pal?)", key)
		}
	}
	return nil
}

// checkConfigTags checks a config read from a model file against the bounds and allowed values
// of its struct tags (min, max, gt, lt, enum), as a spec's values are checked when it is
// parsed: a file's config is input too, and a value no spec could give (an unknown
// ideal_point, a negative width) would otherwise reach code that trusts it.
func checkConfigTags(cfg any) error {
	var err error
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		for i := 0; i < v.NumField() && err == nil; i++ {
			sf := v.Type().Field(i)
			if sf.Anonymous && sf.Type.Kind() == reflect.Struct {
				walk(v.Field(i))
				continue
			}
			key := sf.Tag.Get("toml")
			if key == "" {
				continue
			}
			fv := v.Field(i)
			if e, ok := sf.Tag.Lookup("enum"); ok && fv.Kind() == reflect.String {
				if !slices.Contains(strings.Split(e, "|"), fv.String()) {
					err = fmt.Errorf("config %q = %q is not one of %s", key, fv.String(), strings.ReplaceAll(e, "|", ", "))
				}
				continue
			}
			var x float64
			var lit string
			switch fv.Kind() {
			case reflect.Int:
				x, lit = float64(fv.Int()), strconv.FormatInt(fv.Int(), 10)
			case reflect.Float64:
				x = fv.Float()
				lit = strconv.FormatFloat(x, 'g', -1, 64)
				if math.IsNaN(x) || math.IsInf(x, 0) {
					err = fmt.Errorf("config %q = %v is not a finite number", key, x)
					continue
				}
			default:
				continue
			}
			for _, b := range []struct {
				tag string
				bad func(x, b float64) bool
				msg string
			}{
				{"min", func(x, b float64) bool { return x < b }, "below the minimum"},
				{"max", func(x, b float64) bool { return x > b }, "above the maximum"},
				{"gt", func(x, b float64) bool { return !(x > b) }, "not above"},
				{"lt", func(x, b float64) bool { return !(x < b) }, "not below"},
			} {
				txt, ok := sf.Tag.Lookup(b.tag)
				if !ok {
					continue
				}
				bound, perr := strconv.ParseFloat(txt, 64)
				if perr == nil && b.bad(x, bound) {
					err = fmt.Errorf("config %q = %s is %s %s", key, lit, b.msg, txt)
					break
				}
			}
		}
	}
	walk(reflect.ValueOf(cfg).Elem())
	return err
}

func walkFields(v reflect.Value, fn func(key string, v reflect.Value)) {
	for i := 0; i < v.NumField(); i++ {
		f := v.Type().Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			walkFields(v.Field(i), fn)
			continue
		}
		if key := f.Tag.Get("toml"); key != "" {
			fn(key, v.Field(i))
		}
	}
}
