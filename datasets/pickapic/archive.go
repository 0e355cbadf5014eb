package pickapic

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/pal-harness/pal/internal/regular"

	"github.com/pal-harness/pal/datasets"
)

// BuilderVersion is part of every fingerprint: bump it when the same archive starts giving
// different Data (another row order, another split rule).
const BuilderVersion = 2 // 2: embeddings stored as float32 (float64 archives load rounded)

// Options are the reader's knobs beyond the archive itself.
type Options struct {
	// SplitLists is a folder of torch-saved id lists (train_ranking_ids.pt, ...) to use instead
	// of lists inside the archive; "" looks inside the archive.
	SplitLists string
	// ValFraction and TestFraction split each user's pairs when no split lists exist at all.
	ValFraction, TestFraction float64
}

// DefaultOptions are the documented defaults.
func DefaultOptions() Options { return Options{ValFraction: 0.1, TestFraction: 0.1} }

// listEntry is one split list: where it came from and the split it fills.
type listEntry struct {
	name  string // entry or file name, for messages
	split datasets.Split
	read  func() ([]byte, error)
}

// splitOfList maps a list's file name to a split: it must name exactly one of train, val
// (valid, validation) or test as a word, and is for unseen users when it has the word
// "unseen". Names without such a word (user_ids.pt, uid_rid_table.pt) are not split lists.
func splitOfList(name string) (datasets.Split, bool) {
	base := strings.ToLower(path.Base(name))
	ext := path.Ext(base)
	if ext != ".pt" && ext != ".pth" {
		return "", false
	}
	words := strings.FieldsFunc(strings.TrimSuffix(base, ext), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
	})
	var found []datasets.Split
	unseen := false
	for _, w := range words {
		switch w {
		case "train":
			found = append(found, datasets.Train)
		case "val", "valid", "validation":
			found = append(found, datasets.Val)
		case "test":
			found = append(found, datasets.Test)
		case "unseen":
			unseen = true
		}
	}
	if len(found) != 1 {
		return "", false
	}
	s := found[0]
	if unseen {
		s = map[datasets.Split]datasets.Split{datasets.Train: datasets.UnseenTrain, datasets.Val: datasets.UnseenVal, datasets.Test: datasets.UnseenTest}[s]
	}
	return s, true
}

// scanned is one comparison handed to a visitor.
type scanned struct {
	id    string
	entry string
	split datasets.Split // "" when the archive has no split lists
	order int            // position in its split list, or in the archive
	s     *sample
}

// archiveInfo describes what a scan saw.
type archiveInfo struct {
	entries    int      // zip entries
	samples    int      // .joblib entries
	read       int      // comparisons decoded
	unlisted   int      // .joblib entries in no split list (skipped)
	missing    []string // listed ids with no .joblib entry (sorted)
	lists      map[datasets.Split]string
	listSource string // "archive", a folder, or "" (none: seeded split)
	sum        []byte // sha256 of the archive's directory and the lists
}

// scanArchive streams the comparisons of a zip archive to visit, one entry at a time: the
// archive is read through its central directory and entries are decompressed one by one, so
// memory holds at most one pickle besides what visit keeps.
func scanArchive(ctx context.Context, zipPath string, opt Options, visit func(*scanned) error) (*archiveInfo, error) {
	f, _, err := regular.Open(zipPath)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	zr, err := zip.NewReader(f, st.Size())
	if err != nil {
		return nil, fmt.Errorf("%s is not a readable zip archive (%v): the download is incomplete or corrupt; fetch it again", zipPath, err)
	}
	info := &archiveInfo{entries: len(zr.File), lists: map[datasets.Split]string{}}
	h := sha256.New()
	fmt.Fprintf(h, "pickapic builder v%d\n", BuilderVersion)
	var samples []*zip.File
	var lists []listEntry
	for _, zf := range zr.File {
		// The directory (names, CRC-32 and sizes) identifies the content: reading an entry
		// checks its bytes against the CRC, so hashing the directory pins every byte read.
		fmt.Fprintf(h, "%s\x00%08x\x00%d\x00", zf.Name, zf.CRC32, zf.UncompressedSize64)
		if zf.FileInfo().IsDir() {
			continue
		}
		switch {
		case strings.HasSuffix(strings.ToLower(zf.Name), ".joblib"):
			samples = append(samples, zf)
		case opt.SplitLists == "":
			if sp, ok := splitOfList(zf.Name); ok {
				zf := zf
				lists = append(lists, listEntry{zf.Name, sp, func() ([]byte, error) { return readEntry(zf) }})
			}
		}
	}
	info.samples = len(samples)
	if len(samples) == 0 {
		return nil, fmt.Errorf("%s holds no .joblib entries: want one joblib pickle per comparison, as in the PAL authors' Pick-a-Pic and Pick-a-Filter releases", zipPath)
	}
	if opt.SplitLists != "" {
		if lists, err = folderLists(opt.SplitLists); err != nil {
			return nil, err
		}
		info.listSource = opt.SplitLists
	} else if len(lists) > 0 {
		info.listSource = "archive"
	}

	// Split lists: id -> split and position.
	type place struct {
		split datasets.Split
		pos   int
		list  string
	}
	where := map[string]place{}
	sort.Slice(lists, func(i, j int) bool { return lists[i].name < lists[j].name })
	for _, l := range lists {
		if prev, dup := info.lists[l.split]; dup {
			return nil, fmt.Errorf("%s: both %s and %s are %s lists: keep one (or give split_lists a folder holding the lists to use)", zipPath, prev, l.name, l.split)
		}
		info.lists[l.split] = l.name
		raw, err := l.read()
		if err != nil {
			return nil, fmt.Errorf("%s: split list %s: %w", zipPath, l.name, err)
		}
		fmt.Fprintf(h, "list\x00%s\x00%d\x00", l.split, len(raw))
		h.Write(raw)
		ids, err := listIDs(raw)
		if err != nil {
			return nil, fmt.Errorf("%s: split list %s: %w", zipPath, l.name, err)
		}
		for pos, id := range ids {
			if p, dup := where[id]; dup {
				return nil, fmt.Errorf("%s: id %s is in split list %s and again in %s: the lists must not overlap", zipPath, id, p.list, l.name)
			}
			where[id] = place{l.split, pos, l.name}
		}
	}
	if len(lists) == 0 {
		fmt.Fprintf(h, "seeded split\x00%g\x00%g\x00", opt.ValFraction, opt.TestFraction)
	}

	found := map[string]bool{}
	for i, zf := range samples {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		base := path.Base(zf.Name)
		id := base[:len(base)-len(".joblib")]
		sc := &scanned{id: id, entry: zf.Name, order: i}
		if len(lists) > 0 {
			p, ok := where[id]
			if !ok {
				info.unlisted++
				continue
			}
			sc.split, sc.order = p.split, p.pos
		}
		if found[id] {
			return nil, fmt.Errorf("%s: entry %s: comparison id %s appears twice in the archive", zipPath, zf.Name, id)
		}
		found[id] = true
		s, err := readSample(zf)
		if err != nil {
			return nil, fmt.Errorf("%s: entry %s: %w", zipPath, zf.Name, err)
		}
		sc.s = s
		info.read++
		if err := visit(sc); err != nil {
			return nil, fmt.Errorf("%s: entry %s: %w", zipPath, zf.Name, err)
		}
	}
	for id := range where {
		if !found[id] {
			info.missing = append(info.missing, id)
		}
	}
	slices.Sort(info.missing)
	info.sum = h.Sum(nil)
	return info, nil
}

// readSample decodes one entry and reads it to the end, so that the zip reader checks the
// entry's CRC-32 (a corrupted entry is reported, not silently used).
func readSample(zf *zip.File) (*sample, error) {
	rc, err := zf.Open()
	if err != nil {
		return nil, fmt.Errorf("cannot open (%v): the archive is corrupt; fetch it again", err)
	}
	defer rc.Close()
	s, err := decodeSample(rc)
	if err != nil {
		// A decoding error may come from damaged bytes: the entry's CRC-32, checked once the
		// entry is read to its end, tells which.
		_, rest := io.Copy(io.Discard, rc)
		if errors.Is(err, zip.ErrChecksum) || errors.Is(rest, zip.ErrChecksum) || errors.Is(err, zip.ErrFormat) {
			return nil, fmt.Errorf("corrupt entry (its CRC-32 does not match: %v): fetch the archive again", err)
		}
		return nil, err
	}
	if _, err := io.Copy(io.Discard, rc); err != nil {
		return nil, fmt.Errorf("corrupt entry (%v): fetch the archive again", unexpected(err))
	}
	return s, nil
}

// readEntry reads a small entry whole (split lists are a few MB at most).
func readEntry(zf *zip.File) ([]byte, error) {
	if zf.UncompressedSize64 > 1<<30 {
		return nil, fmt.Errorf("entry of %d bytes is too large for a split list", zf.UncompressedSize64)
	}
	rc, err := zf.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return nil, fmt.Errorf("corrupt entry (%v): fetch the archive again", unexpected(err))
	}
	return b, nil
}

// folderLists finds the split lists in a folder.
func folderLists(dir string) ([]listEntry, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("split_lists: %w", err)
	}
	var out []listEntry
	for _, e := range ents {
		if e.IsDir() {
			continue
		}
		if sp, ok := splitOfList(e.Name()); ok {
			p := filepath.Join(dir, e.Name())
			out = append(out, listEntry{p, sp, func() ([]byte, error) { return regular.ReadFile(p) }})
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("split_lists: %s holds no split lists (.pt files named like train_ranking_ids.pt, val_ranking_ids_seen_users.pt, test_ranking_ids_seen_users.pt)", dir)
	}
	return out, nil
}

// listIDs reads a torch-saved list of ids: a list or tuple of strings or integers, or an
// integer tensor or array.
func listIDs(raw []byte) ([]string, error) {
	obj, err := readTorch(raw)
	if err != nil {
		return nil, err
	}
	if x, ok := obj.(*array); ok {
		if x.i == nil {
			return nil, fmt.Errorf("a tensor of %s: want integer ids", x.dtype)
		}
		out := make([]string, len(x.i))
		for k, v := range x.i {
			out[k] = fmt.Sprint(v)
		}
		return out, nil
	}
	items, ok := elements(obj)
	if !ok {
		return nil, fmt.Errorf("holds %s: want a list of ids", describe(obj))
	}
	out := make([]string, len(items))
	for k, v := range items {
		id, err := asID(v)
		if err != nil {
			return nil, fmt.Errorf("element %d: %w", k, err)
		}
		out[k] = id
	}
	return out, nil
}
