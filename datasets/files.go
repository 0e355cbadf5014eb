package datasets

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/pal-harness/pal/internal/regular"
	"github.com/pal-harness/pal/internal/seeds"
)

// The file names of the bring-your-own interchange format.
const (
	ItemsFile   = "items.npy"   // N x D float32/float64 item embeddings (required)
	PairsFile   = "pairs.csv"   // user,left,right,label,split[,prompt] (required)
	PromptsFile = "prompts.npy" // P x C prompt embeddings (optional, with the prompt column)
	UsersFile   = "users.csv"   // user,group ground-truth groups (optional)
)

// FilesLoaderVersion is part of every bring-your-own fingerprint: bump it when LoadFiles
// starts producing different Data from the same files (as a change of the pair order would).
const FilesLoaderVersion = 1

// mapItemsFile lets LoadFiles memory-map items.npy; tests turn it off to compare with reading.
var mapItemsFile = true

// The columns of pairs.csv and users.csv.
var (
	pairsRequired = []string{"user", "left", "right", "label", "split"}
	pairsOptional = []string{"prompt"}
	usersColumns  = []string{"user", "group"}
)

// LoadFiles reads a bring-your-own folder in the interchange format:
//
//   - items.npy: a 2-D float32 or float64 array in C order, one row per item (N x D). Data
//     stores embeddings as float32: a float64 file is rounded to float32 on loading (a value
//     beyond float32's range is an error). A little-endian float32 file is memory-mapped
//     read-only where the system allows (Linux, macOS) and Data.Items is a view of the
//     mapping (Data.ItemsMapped): the embeddings are never copied, so a data set larger than
//     memory still loads and the kernel keeps the pages in use. The mapping lives as long as
//     the process: the file must not be modified while it is loaded.
//   - pairs.csv: a header naming the columns user, left, right, label and split, in any order,
//     and optionally prompt; one line per comparison. left and right are row indices into
//     items.npy (0-based) and must differ; label is 1 when the user preferred left and 0 when
//     they preferred right; split is one of train, val, test (seen users) or unseen_train,
//     unseen_val, unseen_test (unseen users). A user may appear in seen or in unseen splits,
//     not both.
//   - prompts.npy with a prompt column (row indices into prompts.npy), both or neither; float32
//     or float64 like items.npy (read into memory and stored as float32).
//   - users.csv (optional): columns user and group; group labels are any strings, numbered
//     0, 1, ... in order of first appearance (Data.GroupNames keeps the labels). Users of
//     pairs.csv missing from users.csv get group -1; extra users in users.csv are ignored.
//
// Users are numbered in order of first appearance in pairs.csv. The pairs of each split are
// stored in a random order drawn from a seed derived from the files' fingerprint (the same files
// always give the same order), because few-shot runs take the first n pairs of each user
// (FirstPairsPerUser) and a file sorted by time or by label would otherwise bias that sample.
// Data.Name is the folder's base name; Data.Fingerprint is a sha256 of the files' names and
// bytes. Splits holds only non-empty splits.
//
// Every file must be a regular file (a symbolic link to one is fine; internal/regular): a pipe
// or a device such as /dev/zero would never end. Every error names the file, for CSV files the
// 1-based line and the column, what is wrong and how to fix it, e.g.
//
//	pairs.csv line 17: column "left": 1200 is out of range: items.npy has 1000 rows (0..999)
//
// The file name in the message is the path under dir.
func LoadFiles(dir string) (_ *Data, err error) {
	path := func(name string) string { return filepath.Join(dir, name) }
	if st, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("data folder %s: %w", dir, err)
	} else if !st.IsDir() {
		return nil, fmt.Errorf("data folder %s is a file: give the folder that holds %s and %s", dir, ItemsFile, PairsFile)
	}
	for _, req := range []string{ItemsFile, PairsFile} {
		ok, err := fileExists(path(req))
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("%s: no such file: a bring-your-own folder needs %s (N x D float32/float64 embeddings) and %s (user,left,right,label,split)",
				path(req), ItemsFile, PairsFile)
		}
	}
	items, err := readMatrixNPY(path(ItemsFile), mapItemsFile)
	if err != nil {
		return nil, prefixDir(dir, err)
	}
	defer func() {
		if err != nil {
			items.discard() // a failed load keeps no mapping
		}
	}()
	var prompts *matrixNPY
	if ok, err := fileExists(path(PromptsFile)); err != nil {
		return nil, err
	} else if ok {
		if prompts, err = readMatrixNPY(path(PromptsFile), false); err != nil {
			return nil, prefixDir(dir, err)
		}
	}
	var users *usersTable
	var usersRaw []byte
	if ok, err := fileExists(path(UsersFile)); err != nil {
		return nil, err
	} else if ok {
		if usersRaw, err = regular.ReadFile(path(UsersFile)); err != nil {
			return nil, err
		}
		if users, err = parseUsers(path(UsersFile), usersRaw); err != nil {
			return nil, err
		}
	}
	pairsRaw, err := regular.ReadFile(path(PairsFile))
	if err != nil {
		return nil, err
	}
	d, err := parsePairs(path(PairsFile), pairsRaw, items, prompts)
	if err != nil {
		return nil, err
	}

	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = dir
	}
	d.Name = filepath.Base(abs)
	d.Dim, d.ItemsMapped = items.cols, items.mapped
	if d.Items, err = items.float32s(ItemsFile); err != nil {
		return nil, prefixDir(dir, err)
	}
	if prompts != nil {
		d.PromptDim = prompts.cols
		if d.Prompts, err = prompts.float32s(PromptsFile); err != nil {
			return nil, prefixDir(dir, err)
		}
	}
	for i := range d.Users {
		d.Users[i].Group = -1
	}
	if users != nil {
		d.NumGroups, d.GroupNames = len(users.names), users.names
		inPairs := make(map[string]bool, len(d.Users))
		for i := range d.Users {
			inPairs[d.Users[i].ID] = true
			if g, ok := users.group[d.Users[i].ID]; ok {
				d.Users[i].Group = g
			}
		}
		var absent []string
		for id := range users.group {
			if !inPairs[id] {
				absent = append(absent, id)
			}
		}
		if len(absent) > 0 {
			slices.Sort(absent)
			d.Notes = append(d.Notes, fmt.Sprintf("%s lists %d user(s) with no pair in %s (%s): they are ignored", UsersFile, len(absent), PairsFile, someIDs(absent)))
		}
	}

	h := sha256.New()
	fmt.Fprintf(h, "bring-your-own v%d\n", FilesLoaderVersion)
	if items.f64 != nil || (prompts != nil && prompts.f64 != nil) {
		// Since embeddings are stored as float32, a float64 file gives other Data than it did
		// (its values rounded): mark it, so results made on the float64 values keep their own
		// fingerprint. float32 files give the Data they always gave, and their fingerprint and
		// pair order are unchanged.
		fmt.Fprintf(h, "float64 rounded to float32\n")
	}
	for _, f := range []struct {
		name string
		raw  []byte
	}{{ItemsFile, items.raw}, {PairsFile, pairsRaw}, {PromptsFile, promptsRaw(prompts)}, {UsersFile, usersRaw}} {
		if f.raw == nil {
			continue
		}
		fmt.Fprintf(h, "%s\x00%d\x00", f.name, len(f.raw))
		h.Write(f.raw)
	}
	items.release() // unmaps the file when Items was decoded into memory instead
	sum := h.Sum(nil)
	d.Fingerprint = hex.EncodeToString(sum)
	seed := binary.LittleEndian.Uint64(sum)
	for si, split := range AllSplits {
		pairs := d.Splits[split]
		r := seeds.Stream(seed, "shuffle/files", uint64(si))
		r.Shuffle(len(pairs), func(a, b int) { pairs[a], pairs[b] = pairs[b], pairs[a] })
	}
	if err := d.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	return d, nil
}

func promptsRaw(m *matrixNPY) []byte {
	if m == nil {
		return nil
	}
	return m.raw
}

// prefixDir turns "items.npy ..." into "DIR/items.npy ..." so npy errors name the path like
// the CSV errors do.
func prefixDir(dir string, err error) error {
	return fmt.Errorf("%s%c%w", filepath.Clean(dir), filepath.Separator, err)
}

// csvTable is a CSV file with a checked header: col maps each column name to its index.
type csvTable struct {
	name string // path, for messages
	r    *csv.Reader
	col  map[string]int
	n    int // number of header fields
}

// openCSV reads the header of a CSV file and checks it against the required and optional
// column names (case-insensitive, surrounding spaces and a UTF-8 byte-order mark ignored,
// since spreadsheets add both).
func openCSV(name string, raw []byte, required, optional []string, example string) (*csvTable, error) {
	r := csv.NewReader(bytes.NewReader(raw))
	r.ReuseRecord = true
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s is empty: want a header line %s and then one line per row", name, example)
	}
	if err != nil {
		return nil, csvError(name, err, 0)
	}
	t := &csvTable{name: name, r: r, col: map[string]int{}, n: len(header)}
	var unknown []string
	for i, h := range header {
		if i == 0 {
			h = strings.TrimPrefix(h, "\ufeff")
		}
		h = strings.ToLower(strings.TrimSpace(h))
		if _, dup := t.col[h]; dup {
			return nil, fmt.Errorf("%s line 1: column %q appears twice: keep one", name, h)
		}
		if !slices.Contains(required, h) && !slices.Contains(optional, h) {
			unknown = append(unknown, strconv.Quote(h))
		}
		t.col[h] = i
	}
	allowed := strings.Join(required, ", ")
	if len(optional) > 0 {
		allowed += " (optional: " + strings.Join(optional, ", ") + ")"
	}
	switch len(unknown) {
	case 0:
	case 1:
		return nil, fmt.Errorf("%s line 1: unknown column %s: the columns are %s, in any order; remove or rename it",
			name, unknown[0], allowed)
	default:
		return nil, fmt.Errorf("%s line 1: unknown columns %s: the columns are %s, in any order; remove or rename them",
			name, strings.Join(unknown, ", "), allowed)
	}
	for _, req := range required {
		if _, ok := t.col[req]; !ok {
			return nil, fmt.Errorf("%s line 1: missing column %q: the header must name %s, in any order (e.g. %s)",
				name, req, allowed, example)
		}
	}
	return t, nil
}

// next returns the next record and its 1-based line; ok is false at the end of the file.
func (t *csvTable) next() (rec []string, line int, ok bool, err error) {
	rec, err = t.r.Read()
	if errors.Is(err, io.EOF) {
		return nil, 0, false, nil
	}
	if err != nil {
		return nil, 0, false, csvError(t.name, err, t.n)
	}
	line, _ = t.r.FieldPos(0)
	return rec, line, true, nil
}

// value is the trimmed field of column c.
func (t *csvTable) value(rec []string, c string) string { return strings.TrimSpace(rec[t.col[c]]) }

func csvError(name string, err error, fields int) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		if errors.Is(pe.Err, csv.ErrFieldCount) {
			return fmt.Errorf("%s line %d: wrong number of fields: the header has %d columns and every line needs a value for each", name, pe.Line, fields)
		}
		return fmt.Errorf("%s line %d: malformed CSV: %v (quote fields that contain commas or quotes)", name, pe.Line, pe.Err)
	}
	return fmt.Errorf("%s: %w", name, err)
}

// usersTable is a parsed users.csv.
type usersTable struct {
	group map[string]int
	names []string
}

func parseUsers(name string, raw []byte) (*usersTable, error) {
	t, err := openCSV(name, raw, usersColumns, nil, "user,group")
	if err != nil {
		return nil, err
	}
	u := &usersTable{group: map[string]int{}}
	index := map[string]int{}
	firstLine := map[string]int{}
	for {
		rec, line, ok, err := t.next()
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		id, g := t.value(rec, "user"), t.value(rec, "group")
		if id == "" {
			return nil, fmt.Errorf("%s line %d: column \"user\": empty user ID: give the ID used in pairs.csv", name, line)
		}
		if g == "" {
			return nil, fmt.Errorf("%s line %d: column \"group\": empty group for user %q: give a group label or drop the line (users not listed get no group)", name, line, id)
		}
		if prev, dup := firstLine[id]; dup {
			return nil, fmt.Errorf("%s line %d: user %q is listed again (first on line %d): list each user once", name, line, id, prev)
		}
		firstLine[id] = line
		gi, seen := index[g]
		if !seen {
			gi = len(u.names)
			index[g] = gi
			u.names = append(u.names, g)
		}
		u.group[id] = gi
	}
	return u, nil
}

// parsePairs reads pairs.csv into a Data with Users and Splits filled in (in file order).
func parsePairs(name string, raw []byte, items, prompts *matrixNPY) (*Data, error) {
	t, err := openCSV(name, raw, pairsRequired, pairsOptional, strings.Join(pairsRequired, ","))
	if err != nil {
		return nil, err
	}
	_, hasPromptCol := t.col["prompt"]
	switch {
	case hasPromptCol && prompts == nil:
		return nil, fmt.Errorf("%s line 1: has a \"prompt\" column but the folder has no %s: add %s (one prompt embedding per row) or drop the column",
			name, PromptsFile, PromptsFile)
	case !hasPromptCol && prompts != nil:
		return nil, fmt.Errorf("%s line 1: the folder has %s but there is no \"prompt\" column: add a prompt column (row index into %s) or remove the file",
			name, PromptsFile, PromptsFile)
	}

	d := &Data{Splits: map[Split][]Pair{}}
	userIndex := map[string]int{}
	// seenAt and unseenAt keep, per user, the first line in a seen and in an unseen split, to
	// name both when a user turns up in both kinds.
	seenAt, unseenAt := map[int]int{}, map[int]int{}
	splitAt := map[int]Split{}
	allowed := make([]string, len(AllSplits))
	for i, s := range AllSplits {
		allowed[i] = string(s)
	}
	index := func(rec []string, line int, col, file string, rows int) (int, error) {
		s := t.value(rec, col)
		v, err := strconv.Atoi(s)
		if err != nil {
			return 0, fmt.Errorf("%s line %d: column %q: %q is not a row index: want an integer from 0 to %d (row of %s)",
				name, line, col, s, rows-1, file)
		}
		if v < 0 || v >= rows {
			return 0, fmt.Errorf("%s line %d: column %q: %d is out of range: %s has %d rows (0..%d)",
				name, line, col, v, file, rows, rows-1)
		}
		return v, nil
	}
	for {
		rec, line, ok, err := t.next()
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		id := t.value(rec, "user")
		if id == "" {
			return nil, fmt.Errorf("%s line %d: column \"user\": empty user ID: every pair needs the ID of the user who compared it", name, line)
		}
		left, err := index(rec, line, "left", ItemsFile, items.rows)
		if err != nil {
			return nil, err
		}
		right, err := index(rec, line, "right", ItemsFile, items.rows)
		if err != nil {
			return nil, err
		}
		if left == right {
			return nil, fmt.Errorf("%s line %d: columns \"left\" and \"right\" are both item %d: a pair compares two different items; drop the line", name, line, left)
		}
		var leftPreferred bool
		switch l := t.value(rec, "label"); l {
		case "1":
			leftPreferred = true
		case "0":
		default:
			hint := ""
			if l == "-1" {
				hint = " (the PAL authors' files use -1 for left and +1 for right: map -1 to 1 and +1 to 0)"
			}
			return nil, fmt.Errorf("%s line %d: column \"label\": %q is not a label: use 1 when the user preferred left, 0 when they preferred right%s",
				name, line, l, hint)
		}
		s := t.value(rec, "split")
		split, ok := ParseSplit(s)
		if !ok {
			return nil, fmt.Errorf("%s line %d: column \"split\": %q is not a split: use one of %s", name, line, s, strings.Join(allowed, ", "))
		}
		prompt := -1
		if hasPromptCol {
			if prompt, err = index(rec, line, "prompt", PromptsFile, prompts.rows); err != nil {
				return nil, err
			}
		}

		u, known := userIndex[id]
		if !known {
			u = len(d.Users)
			userIndex[id] = u
			d.Users = append(d.Users, User{ID: id, Group: -1})
		}
		unseen := split == UnseenTrain || split == UnseenVal || split == UnseenTest
		here, other := seenAt, unseenAt
		if unseen {
			here, other = unseenAt, seenAt
		}
		if _, ok := here[u]; !ok {
			here[u] = line
			if _, ok := splitAt[u]; !ok {
				splitAt[u] = split
			}
		}
		if otherLine, ok := other[u]; ok {
			return nil, fmt.Errorf("%s line %d: user %q is in split %s here but in split %s on line %d: a user is either seen (train, val, test) or unseen (unseen_*), not both; rename one of them or move their pairs",
				name, line, id, split, splitAt[u], otherLine)
		}
		d.Users[u].Seen = !unseen
		d.Splits[split] = append(d.Splits[split], Pair{User: u, Left: left, Right: right, Prompt: prompt, LeftPreferred: leftPreferred})
	}
	if len(d.Users) == 0 {
		return nil, fmt.Errorf("%s has a header but no pairs: add one line per comparison", name)
	}
	return d, nil
}

// WriteFiles writes d to dir in the interchange format LoadFiles reads: items.npy (float32, as
// Data stores it; the header padded so LoadFiles can map it),
// pairs.csv (grouped by user, in user order), prompts.npy (float32) and a prompt column
// when d has prompts, and users.csv when ground-truth groups are known (users sorted by group,
// so group numbers survive a round trip whenever every group has a user; users with group -1
// are left out). It is how synthetic data is exported for other tools.
//
// The folder is created if needed. Each file is written to a temporary file in dir and renamed
// into place only once all were written, so a failure leaves the previous files intact; an
// existing prompts.npy or users.csv that d has no data for is removed, since LoadFiles would
// otherwise pair the new pairs.csv with the stale file. What the format has no place for is
// not written: true weights, Bayes accuracies, the ground truth and users without pairs.
func WriteFiles(dir string, d *Data) error {
	if d == nil {
		return fmt.Errorf("write %s: nil data", dir)
	}
	if err := d.Validate(); err != nil {
		return fmt.Errorf("write %s: %w", dir, err)
	}
	ids := map[string]bool{}
	for _, u := range d.Users {
		if u.ID == "" || u.ID != strings.TrimSpace(u.ID) {
			return fmt.Errorf("write %s: user ID %q would not survive a round trip: IDs must be non-empty without surrounding spaces", dir, u.ID)
		}
		if ids[u.ID] {
			return fmt.Errorf("write %s: user ID %q is used by two users: IDs must be unique", dir, u.ID)
		}
		ids[u.ID] = true
	}
	groupNames, err := writableGroupNames(d)
	if err != nil {
		return fmt.Errorf("write %s: %w", dir, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}

	hasPrompts := d.NumPrompts() > 0
	var pairs bytes.Buffer
	w := csv.NewWriter(&pairs)
	header := append([]string(nil), pairsRequired...)
	if hasPrompts {
		header = append(header, "prompt")
	}
	w.Write(header)
	// Lines go user by user (in user order, then split order, then d's order) so that LoadFiles,
	// which numbers users by first appearance, gives every user its index back. The order of
	// lines is otherwise irrelevant: LoadFiles shuffles each split.
	type line struct {
		p     Pair
		split Split
	}
	byUser := make([][]line, len(d.Users))
	for _, split := range AllSplits {
		for _, p := range d.Splits[split] {
			byUser[p.User] = append(byUser[p.User], line{p, split})
		}
	}
	for _, lines := range byUser {
		for _, l := range lines {
			label := "0"
			if l.p.LeftPreferred {
				label = "1"
			}
			rec := []string{d.Users[l.p.User].ID, strconv.Itoa(l.p.Left), strconv.Itoa(l.p.Right), label, string(l.split)}
			if hasPrompts {
				rec = append(rec, strconv.Itoa(l.p.Prompt))
			}
			w.Write(rec)
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}

	type output struct {
		name  string
		write func(f *os.File) error
	}
	outs := []output{
		{ItemsFile, func(f *os.File) error { return writeMatrixNPY(f, d.NumItems(), d.Dim, d.Items) }},
		{PairsFile, func(f *os.File) error { _, err := f.Write(pairs.Bytes()); return err }},
	}
	var stale []string
	if hasPrompts {
		outs = append(outs, output{PromptsFile, func(f *os.File) error {
			return writeMatrixNPY(f, d.NumPrompts(), d.PromptDim, d.Prompts)
		}})
	} else {
		stale = append(stale, PromptsFile)
	}
	if groupNames != nil {
		var users bytes.Buffer
		w := csv.NewWriter(&users)
		w.Write(usersColumns)
		order := make([]int, len(d.Users))
		for i := range order {
			order[i] = i
		}
		slices.SortStableFunc(order, func(a, b int) int { return d.Users[a].Group - d.Users[b].Group })
		for _, i := range order {
			if g := d.Users[i].Group; g >= 0 {
				w.Write([]string{d.Users[i].ID, groupNames[g]})
			}
		}
		w.Flush()
		if err := w.Error(); err != nil {
			return err
		}
		outs = append(outs, output{UsersFile, func(f *os.File) error { _, err := f.Write(users.Bytes()); return err }})
	} else {
		stale = append(stale, UsersFile)
	}

	temps := make([]string, 0, len(outs))
	cleanup := func() {
		for _, t := range temps {
			os.Remove(t)
		}
	}
	for _, o := range outs {
		f, err := os.CreateTemp(dir, "."+o.name+".tmp*")
		if err != nil {
			cleanup()
			return err
		}
		temps = append(temps, f.Name())
		err = o.write(f)
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			cleanup()
			return fmt.Errorf("write %s: %w", filepath.Join(dir, o.name), err)
		}
	}
	for i, o := range outs {
		if err := os.Rename(temps[i], filepath.Join(dir, o.name)); err != nil {
			cleanup()
			return err
		}
	}
	for _, s := range stale {
		if err := os.Remove(filepath.Join(dir, s)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return nil
}

// writableGroupNames returns the labels to write in users.csv (nil when no user has a known
// group): d.GroupNames when complete, otherwise g0, g1, ... It refuses labels that would not
// read back as the same groups.
func writableGroupNames(d *Data) ([]string, error) {
	known := false
	for _, u := range d.Users {
		if u.Group < -1 || u.Group >= d.NumGroups {
			return nil, fmt.Errorf("user %q has group %d, outside -1..%d (NumGroups = %d)", u.ID, u.Group, d.NumGroups-1, d.NumGroups)
		}
		known = known || u.Group >= 0
	}
	if !known {
		return nil, nil
	}
	names := d.GroupNames
	if len(names) != d.NumGroups {
		names = make([]string, d.NumGroups)
		for g := range names {
			names[g] = "g" + strconv.Itoa(g)
		}
	}
	seen := map[string]bool{}
	for _, n := range names {
		if n == "" || n != strings.TrimSpace(n) || seen[n] {
			return nil, fmt.Errorf("group name %q is empty, has surrounding spaces or is used twice: it would not read back as the same group", n)
		}
		seen[n] = true
	}
	return names, nil
}
