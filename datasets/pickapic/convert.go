package pickapic

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/csv"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"github.com/pal-harness/pal/datasets"
)

// Convert writes an archive of the authors' release to outDir in the bring-your-own format
// (items.npy, prompts.npy, pairs.csv with a prompt column; see datasets.LoadFiles), with the
// default options. It streams: embeddings go to disk as they are read, so memory holds the
// pairs and a digest per distinct embedding, never the embeddings themselves.
func Convert(zipPath, outDir string) error {
	_, err := ConvertWith(context.Background(), zipPath, outDir, DefaultOptions())
	return err
}

// ConvertWith is Convert with options and a context. The .npy files hold float32 when the
// release's embeddings are float32 or narrower (the element type of the first comparison
// decides) and float64 otherwise. Every file is written to a temporary name in outDir and
// renamed into place only when all are complete: an error (a corrupt entry, a full disk, a
// cancelled context) leaves outDir as it was. A stale users.csv is removed on success, since
// the release has no ground-truth groups (and a stale scores.csv when no scores are asked for).
func ConvertWith(ctx context.Context, zipPath, outDir string, opt Options) (st *Stats, err error) {
	created := false
	if _, statErr := os.Stat(outDir); errors.Is(statErr, fs.ErrNotExist) {
		created = true
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return nil, err
	}
	var temps []*os.File
	defer func() {
		if err == nil {
			return
		}
		for _, f := range temps {
			f.Close()
			os.Remove(f.Name())
		}
		if created {
			os.Remove(outDir) // only succeeds when empty
		}
	}()
	newTemp := func(name string) (*os.File, error) {
		f, err := os.CreateTemp(outDir, "."+name+".tmp*")
		if err == nil {
			temps = append(temps, f)
		}
		return f, err
	}
	itemsF, err := newTemp(datasets.ItemsFile)
	if err != nil {
		return nil, err
	}
	promptsF, err := newTemp(datasets.PromptsFile)
	if err != nil {
		return nil, err
	}
	items, prompts := newNPYStream(itemsF), newNPYStream(promptsF)
	b := newBuilder(items.append, prompts.append)
	b.scale = opt.ZeroShotScale
	info, err := scanArchive(ctx, zipPath, opt, b.add)
	if err != nil {
		return nil, err
	}
	s, err := b.finish(info, opt)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", zipPath, err)
	}
	if len(s.splits) == 0 {
		return nil, fmt.Errorf("%s: no comparison is in any split list (%d entries skipped): the lists and the archive do not match", zipPath, info.unlisted)
	}
	if err := items.finish(); err != nil {
		return nil, fmt.Errorf("write %s: %w", filepath.Join(outDir, datasets.ItemsFile), err)
	}
	if err := prompts.finish(); err != nil {
		return nil, fmt.Errorf("write %s: %w", filepath.Join(outDir, datasets.PromptsFile), err)
	}
	pairsF, err := newTemp(datasets.PairsFile)
	if err != nil {
		return nil, err
	}
	if err := writePairs(pairsF, s); err != nil {
		return nil, fmt.Errorf("write %s: %w", filepath.Join(outDir, datasets.PairsFile), err)
	}
	names := []string{datasets.ItemsFile, datasets.PromptsFile, datasets.PairsFile}
	if b.scale > 0 {
		scoresF, err := newTemp(ScoresFile)
		if err != nil {
			return nil, err
		}
		if err := writeScores(scoresF, s, b.scores); err != nil {
			return nil, fmt.Errorf("write %s: %w", filepath.Join(outDir, ScoresFile), err)
		}
		names = append(names, ScoresFile)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for i, name := range names {
		if err := os.Rename(temps[i].Name(), filepath.Join(outDir, name)); err != nil {
			return nil, err
		}
	}
	temps = nil
	if err := os.Remove(filepath.Join(outDir, datasets.UsersFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if b.scale == 0 { // a score file of an earlier conversion would not match these pairs
		if err := os.Remove(filepath.Join(outDir, ScoresFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
	return newStats(zipPath, info, b, s), nil
}

// ScoresFile is the zero-shot score file ConvertWith writes with Options.ZeroShotScale > 0:
// the per-pair margins of baselines' imported scores (kind = "imported", per = "pair"), with
// header user,left,right,prompt,score, one line per distinct pair of pairs.csv.
const ScoresFile = "scores.csv"

// writeScores writes ScoresFile: for each pair of pairs.csv, in its order, the zero-shot margin
// of its images for its prompt; a pair listed again (the same user, images and prompt) once.
func writeScores(f *os.File, s *settled, scores map[[3]int]float64) error {
	bw := bufio.NewWriter(f)
	w := csv.NewWriter(bw)
	w.Write([]string{"user", "left", "right", "prompt", "score"})
	type key struct{ user, left, right, prompt int }
	done := map[key]bool{}
	for _, split := range datasets.AllSplits {
		for _, p := range s.splits[split] {
			k := key{p.User, p.Left, p.Right, p.Prompt}
			if done[k] {
				continue
			}
			done[k] = true
			w.Write([]string{s.users[p.User].ID, strconv.Itoa(p.Left), strconv.Itoa(p.Right), strconv.Itoa(p.Prompt),
				strconv.FormatFloat(scores[[3]int{p.Left, p.Right, p.Prompt}], 'g', -1, 64)})
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	return f.Close()
}

// writePairs writes pairs.csv (user,left,right,label,split,prompt), split by split.
func writePairs(f *os.File, s *settled) error {
	bw := bufio.NewWriter(f)
	w := csv.NewWriter(bw)
	w.Write([]string{"user", "left", "right", "label", "split", "prompt"})
	for _, split := range datasets.AllSplits {
		for _, p := range s.splits[split] {
			label := "0"
			if p.LeftPreferred {
				label = "1"
			}
			w.Write([]string{s.users[p.User].ID, strconv.Itoa(p.Left), strconv.Itoa(p.Right), label, string(split), strconv.Itoa(p.Prompt)})
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	return f.Close()
}

// npyHeaderSize is the space reserved for a .npy header, rewritten once the row count is
// known: 10 bytes of preamble and a dictionary padded to a multiple of 64 bytes in all.
const npyHeaderSize = 128

// npyStream writes a 2-D C-order .npy file row by row.
type npyStream struct {
	f     *os.File
	w     *bufio.Writer
	dtype string // "f4" or "f8", fixed by the first row
	rows  int
	cols  int
	err   error
}

func newNPYStream(f *os.File) *npyStream {
	return &npyStream{f: f, w: bufio.NewWriterSize(f, 1<<20)}
}

func (n *npyStream) append(v []float64, dtype string) error {
	if n.err != nil {
		return n.err
	}
	if n.rows == 0 {
		n.dtype, n.cols = dtype, len(v)
		if dtype != "f4" {
			n.dtype = "f8"
		}
		if _, err := n.w.Write(make([]byte, npyHeaderSize)); err != nil {
			n.err = err
			return err
		}
	}
	if n.dtype == "f4" && dtype != "f4" {
		n.err = fmt.Errorf("embeddings change element type from float32 to %s: the converter writes one type per file", dtype)
		return n.err
	}
	var b [8]byte
	for _, x := range v {
		if n.dtype == "f4" {
			binary.LittleEndian.PutUint32(b[:4], math.Float32bits(float32(x)))
			_, n.err = n.w.Write(b[:4])
		} else {
			binary.LittleEndian.PutUint64(b[:], math.Float64bits(x))
			_, n.err = n.w.Write(b[:])
		}
		if n.err != nil {
			return n.err
		}
	}
	n.rows++
	return nil
}

// finish writes the header with the final shape, syncs and closes the file.
func (n *npyStream) finish() error {
	if n.err != nil {
		return n.err
	}
	if n.rows == 0 {
		return fmt.Errorf("no rows to write")
	}
	if err := n.w.Flush(); err != nil {
		return err
	}
	dict := fmt.Sprintf("{'descr': '<%s', 'fortran_order': False, 'shape': (%d, %d), }", n.dtype, n.rows, n.cols)
	pad := npyHeaderSize - 10 - len(dict) - 1
	if pad < 0 {
		return fmt.Errorf("shape (%d, %d) does not fit the reserved .npy header", n.rows, n.cols)
	}
	hdr := make([]byte, 0, npyHeaderSize)
	hdr = append(hdr, "\x93NUMPY\x01\x00"...)
	hdr = binary.LittleEndian.AppendUint16(hdr, uint16(npyHeaderSize-10))
	hdr = append(hdr, dict...)
	for i := 0; i < pad; i++ {
		hdr = append(hdr, ' ')
	}
	hdr = append(hdr, '\n')
	if _, err := n.f.WriteAt(hdr, 0); err != nil {
		return err
	}
	if err := n.f.Sync(); err != nil {
		return err
	}
	return n.f.Close()
}
