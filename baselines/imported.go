package baselines

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/pal-harness/pal/datasets"
	"github.com/pal-harness/pal/internal/metrics"
	"github.com/pal-harness/pal/internal/regular"
	"github.com/pal-harness/pal/models"
)

// Imported is a reward model run elsewhere (PickScore on Pick-a-Pic, any reward model on a GPU),
// brought in as its scores: the paper's large-reward-model baseline. It trains nothing; its
// margin for a pair is the imported score difference, and it is evaluated by the same
// models.Evaluate on the same splits and users as PAL and BTL.
//
// Score files (per = "item"):
//   - .npy: a float32 or float64 vector of length N (shape (N,) or (N, 1)), N the number of item
//     rows of the data set: entry j is the reward of item j.
//   - .csv: header item,score; item is the 0-based row of the item in items.npy (its id), score
//     its reward; each item at most once; items no evaluated pair uses may be left out.
//
// The margin of a pair is score(left) - score(right).
//
// Score files (per = "pair"), the margin itself (positive: the model prefers the left item):
//   - .csv: header user,left,right,score, plus a prompt column when the data has prompts: the
//     pair is found by its user ID, item rows and prompt row, so the order of lines is free; a
//     pair listed twice is an error.
//   - .npy: a float vector with one margin per data line of the data set's pairs.csv, in the
//     order of that file (bring-your-own data only: synthetic data has no pairs.csv).
//
// Every pair of every evaluated split must get a score: a missing one is an error naming the
// pair, never skipped. Loss figures are the logistic loss of the margin, as for BTL.
type Imported struct {
	cfg    ImportedConfig
	item   []float64 // per item: score of every item row (NaN when the file has none)
	pair   map[pairKey]float64
	splits []datasets.Split
}

// pairKey identifies a comparison by content: user ID, item rows and prompt row (-1 for none).
type pairKey struct {
	user                string
	left, right, prompt int
}

func (k pairKey) String() string {
	s := fmt.Sprintf("user %q, left %d, right %d", k.user, k.left, k.right)
	if k.prompt >= 0 {
		s += fmt.Sprintf(", prompt %d", k.prompt)
	}
	return s
}

// LoadImported reads cfg.Path (already resolved against the spec's folder) and checks that it
// scores every pair of the evaluated splits of d. dataDir is the folder of a bring-your-own
// data set ("" for generated data); per-pair .npy scores follow its pairs.csv.
func LoadImported(cfg *ImportedConfig, d *datasets.Data, dataDir string) (*Imported, error) {
	m := &Imported{cfg: *cfg}
	for _, s := range cfg.Splits {
		sp, ok := datasets.ParseSplit(s)
		if !ok {
			return nil, fmt.Errorf("splits: %q is not a split: use train, val, test, unseen_train, unseen_val or unseen_test", s)
		}
		m.splits = append(m.splits, sp)
	}
	name := filepath.Base(cfg.Path)
	ext := strings.ToLower(filepath.Ext(cfg.Path))
	if ext != ".csv" && ext != ".npy" {
		return nil, fmt.Errorf("score file %s: want a .csv or .npy file", cfg.Path)
	}
	var err error
	switch {
	case cfg.Per == "item" && ext == ".npy":
		err = m.itemNPY(cfg.Path, d)
	case cfg.Per == "item":
		err = m.itemCSV(cfg.Path, d)
	case ext == ".csv":
		err = m.pairCSV(cfg.Path, d)
	default:
		err = m.pairNPY(cfg.Path, d, dataDir)
	}
	if err != nil {
		return nil, err
	}
	for _, sp := range m.splits {
		for _, p := range d.Splits[sp] {
			if _, err := m.margin(p, d); err != nil {
				return nil, fmt.Errorf("%s: %w of split %s: score every pair of the evaluated splits, or list fewer in splits", name, err, sp)
			}
		}
	}
	return m, nil
}

func keyOf(p datasets.Pair, d *datasets.Data) pairKey {
	return pairKey{d.Users[p.User].ID, p.Left, p.Right, p.Prompt}
}

// margin is the imported margin of p, or an error naming what is missing.
func (m *Imported) margin(p datasets.Pair, d *datasets.Data) (float64, error) {
	if m.pair != nil {
		s, ok := m.pair[keyOf(p, d)]
		if !ok {
			return 0, fmt.Errorf("no score for pair (%s)", keyOf(p, d))
		}
		return s, nil
	}
	for _, side := range []struct {
		name string
		item int
	}{{"left", p.Left}, {"right", p.Right}} {
		if math.IsNaN(m.item[side.item]) {
			return 0, fmt.Errorf("no score for item %d, the %s item of pair (%s)", side.item, side.name, keyOf(p, d))
		}
	}
	return m.item[p.Left] - m.item[p.Right], nil
}

func (m *Imported) itemNPY(path string, d *datasets.Data) error {
	v, err := readVectorNPY(path)
	if err != nil {
		return err
	}
	if n := d.NumItems(); len(v) != n {
		return fmt.Errorf("%s holds %d scores, the data set has %d items: write one score per row of items.npy, in its order", filepath.Base(path), len(v), n)
	}
	m.item = v
	return nil
}

func (m *Imported) itemCSV(path string, d *datasets.Data) error {
	rows, err := readScoreCSV(path, []string{"item", "score"}, nil)
	if err != nil {
		return err
	}
	name := filepath.Base(path)
	m.item = make([]float64, d.NumItems())
	for i := range m.item {
		m.item[i] = math.NaN()
	}
	for _, r := range rows {
		j, err := r.index("item", d.NumItems())
		if err != nil {
			return fmt.Errorf("%s line %d: %w", name, r.line, err)
		}
		if !math.IsNaN(m.item[j]) {
			return fmt.Errorf("%s line %d: item %d is scored twice: keep one line per item", name, r.line, j)
		}
		m.item[j] = r.score
	}
	return nil
}

func (m *Imported) pairCSV(path string, d *datasets.Data) error {
	var optional []string
	if d.NumPrompts() > 0 {
		optional = []string{"prompt"}
	}
	rows, err := readScoreCSV(path, []string{"user", "left", "right", "score"}, optional)
	if err != nil {
		return err
	}
	name := filepath.Base(path)
	if d.NumPrompts() > 0 && len(rows) > 0 && !rows[0].has("prompt") {
		return fmt.Errorf("%s line 1: the data set has prompts, so pairs are identified by user,left,right,prompt: add a prompt column (row index into prompts.npy)", name)
	}
	m.pair = map[pairKey]float64{}
	first := map[pairKey]int{}
	for _, r := range rows {
		k, err := r.key(d.NumItems(), d.NumPrompts())
		if err != nil {
			return fmt.Errorf("%s line %d: %w", name, r.line, err)
		}
		if l, dup := first[k]; dup {
			return fmt.Errorf("%s line %d: pair (%s) is already scored on line %d: keep one line per pair", name, r.line, k, l)
		}
		first[k] = r.line
		m.pair[k] = r.score
	}
	return nil
}

// pairNPY pairs the vector's entries with the data lines of the data folder's pairs.csv.
func (m *Imported) pairNPY(path string, d *datasets.Data, dataDir string) error {
	name := filepath.Base(path)
	if dataDir == "" {
		return fmt.Errorf("%s: per-pair .npy scores follow the line order of a data folder's pairs.csv, and this data set is generated: use a CSV with columns user,left,right,score instead", name)
	}
	v, err := readVectorNPY(path)
	if err != nil {
		return err
	}
	optional := []string{"label", "split"}
	if d.NumPrompts() > 0 {
		optional = append(optional, "prompt")
	}
	lines, err := readScoreCSV(filepath.Join(dataDir, datasets.PairsFile), []string{"user", "left", "right"}, optional)
	if err != nil {
		return err
	}
	if len(lines) != len(v) {
		return fmt.Errorf("%s holds %d scores, %s has %d pairs: write one margin per data line of pairs.csv, in its order", name, len(v), datasets.PairsFile, len(lines))
	}
	m.pair = map[pairKey]float64{}
	first := map[pairKey]int{}
	for i, r := range lines {
		k, err := r.key(d.NumItems(), d.NumPrompts())
		if err != nil {
			return fmt.Errorf("%s line %d: %w", datasets.PairsFile, r.line, err)
		}
		if l, dup := first[k]; dup && m.pair[k] != v[i] {
			return fmt.Errorf("%s: lines %d and %d of %s are the same comparison (%s) with different scores %g and %g: a score cannot be told apart from the other; give them equal scores or use a CSV", name, l, r.line, datasets.PairsFile, k, m.pair[k], v[i])
		}
		first[k] = r.line
		m.pair[k] = v[i]
	}
	return nil
}

// scoreRow is one data line of a score CSV (or of pairs.csv, whose score is unused).
type scoreRow struct {
	line   int
	fields map[string]string
	score  float64
}

func (r scoreRow) has(col string) bool { _, ok := r.fields[col]; return ok }

func (r scoreRow) index(col string, n int) (int, error) {
	v, err := strconv.Atoi(r.fields[col])
	if err != nil {
		return 0, fmt.Errorf("column %q: %q is not an integer row index", col, r.fields[col])
	}
	if v < 0 || v >= n {
		return 0, fmt.Errorf("column %q: %d is out of range: the data set has %d rows (0..%d)", col, v, n, n-1)
	}
	return v, nil
}

func (r scoreRow) key(items, prompts int) (pairKey, error) {
	k := pairKey{user: r.fields["user"], prompt: -1}
	var err error
	if k.left, err = r.index("left", items); err != nil {
		return k, err
	}
	if k.right, err = r.index("right", items); err != nil {
		return k, err
	}
	if r.has("prompt") {
		if k.prompt, err = r.index("prompt", prompts); err != nil {
			return k, err
		}
	}
	return k, nil
}

// readScoreCSV reads a CSV with a header holding the required columns (and any of optional);
// the score column, when required, must be a finite number.
func readScoreCSV(path string, required, optional []string) ([]scoreRow, error) {
	name := filepath.Base(path)
	raw, err := regular.ReadFile(path)
	if err != nil {
		return nil, err
	}
	cr := csv.NewReader(bytes.NewReader(raw))
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s is empty: want a header line %s", name, strings.Join(required, ","))
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))] = i
	}
	for _, c := range required {
		if _, ok := col[c]; !ok {
			return nil, fmt.Errorf("%s line 1: no %q column: the header must name %s", name, c, strings.Join(required, ","))
		}
	}
	wanted := append(append([]string(nil), required...), optional...)
	var rows []scoreRow
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s line %d: %w", name, line, err)
		}
		if len(rec) != len(header) {
			return nil, fmt.Errorf("%s line %d: %d fields, the header has %d", name, line, len(rec), len(header))
		}
		r := scoreRow{line: line, fields: map[string]string{}}
		for _, c := range wanted {
			if i, ok := col[c]; ok {
				r.fields[c] = strings.TrimSpace(rec[i])
			}
		}
		if _, ok := col["score"]; ok && slices.Contains(required, "score") {
			s, err := strconv.ParseFloat(r.fields["score"], 64)
			if err != nil || math.IsNaN(s) || math.IsInf(s, 0) {
				return nil, fmt.Errorf("%s line %d: column \"score\": %q is not a finite number", name, line, r.fields["score"])
			}
			r.score = s
		}
		rows = append(rows, r)
	}
	return rows, nil
}

// readVectorNPY reads a float32 or float64 score vector with the data sets' .npy reader, which
// reads regular files only and checks the declared size before allocating.
func readVectorNPY(path string) ([]float64, error) {
	return datasets.ReadVectorNPY(path, "write it with numpy.save(path, scores.astype(numpy.float64)), scores a vector")
}

// boundImported is the models.Scorer of an Imported model: the scores together with the data
// whose user IDs key its pairs.
type boundImported struct {
	*Imported
	d *datasets.Data
}

func (b boundImported) Margin(p datasets.Pair) float64 {
	s, err := b.margin(p, b.d)
	if err != nil { // LoadImported checked every evaluated pair
		panic(err)
	}
	return s
}

func (b boundImported) PairLoss(p datasets.Pair) float64 {
	l, _ := models.PairLoss("logistic", b.Margin(p), p.LeftPreferred)
	return l
}

// FitImported loads the scores and evaluates them on the splits cfg lists. Like BTL it has no
// per-user parameters, so each few-shot point is its unseen_test accuracy. Its parameter
// counts are the spec's.
func FitImported(ctx context.Context, d *datasets.Data, cfg *ImportedConfig, fc *models.FewShotConfig, dataDir string) (metrics.Metrics, error) {
	m, err := LoadImported(cfg, d, dataDir)
	if err != nil {
		return metrics.Metrics{}, err
	}
	if err := ctx.Err(); err != nil {
		return metrics.Metrics{}, err
	}
	view := *d
	view.Splits = map[datasets.Split][]datasets.Pair{}
	for _, sp := range m.splits {
		if len(d.Splits[sp]) > 0 {
			view.Splits[sp] = d.Splits[sp]
		}
	}
	out, err := models.Evaluate(boundImported{m, d}, &view)
	if err != nil {
		return metrics.Metrics{}, fmt.Errorf("%s: %w", filepath.Base(cfg.Path), err)
	}
	models.SameForEveryUser(&out, fc)
	out.TrainableParams, out.SharedParams, out.FrozenParams = cfg.TrainableParams, cfg.TrainableParams, cfg.FrozenParams
	return out, nil
}
