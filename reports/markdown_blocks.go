package reports

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/pal-harness/pal/paper"
)

// Generated blocks of a Markdown document (REPRODUCE.md): the text between
//
//	<!-- pal:begin NAME -->
//	<!-- pal:end -->
//
// is rewritten from a run store, and everything outside the markers is left as it is, so prose
// written by people and tables computed from the runs live in one file without a number typed
// by hand. NAME is "<experiment>-<table>", the experiment being the store's spec name.

// The tables a store offers as blocks.
var blockTables = []string{"accuracy", "few-shot", "models", "per-group", "recovery", "paired", "claims"}

var blockMarker = regexp.MustCompile(`<!-- pal:(begin ([A-Za-z0-9_.-]+)|end) -->`)

// MarkdownBlocks renders the blocks of the run store in storeDir, by name (and "paper-claims",
// the list of every claim of the paper, ClaimsListMarkdown): "<spec>-accuracy"
// (seen-user accuracy, dataset configurations by model configurations), "<spec>-few-shot"
// (unseen users' accuracy by pairs per user), "<spec>-models" (every model configuration's
// seen, unseen and few-shot accuracy with its parameter counts), "<spec>-per-group" (seen-user
// test accuracy of each true group), "<spec>-recovery" (the group-recovery cell's table),
// "<spec>-paired" (the paired table) and
// "<spec>-claims" (the paper against ours). A table the store cannot fill is left out.
func MarkdownBlocks(storeDir string, opts Options) (map[string][]byte, error) {
	a, err := analyseStore(storeDir, opts)
	if err != nil {
		return nil, err
	}
	return markdownBlocks(a), nil
}

// markdownBlocks is MarkdownBlocks of an analysed store.
func markdownBlocks(a *analysis) map[string][]byte {
	out := map[string][]byte{"paper-claims": ClaimsListMarkdown()}
	name := a.Store.SpecName
	if t, ok := a.accuracyPivot(); ok {
		out[name+"-accuracy"] = t.markdown()
	}
	if t, ok := a.fewShotPivot(); ok {
		out[name+"-few-shot"] = t.markdown()
	}
	if t, ok := a.modelsTable(); ok {
		out[name+"-models"] = t.markdown()
	}
	if t, ok := a.perGroupTable(); ok {
		out[name+"-per-group"] = t.markdown()
	}
	// The group-recovery cell's table (ARI, NMI, weight TV distance), as the report shows it.
	for _, tb := range (recoverySection{}).build(a).Tables {
		if tb.Name == "recovery" && tb.Display != nil && len(tb.Display.Rows) > 0 {
			out[name+"-recovery"] = tb.Display.markdown()
		}
	}
	if ps := a.pairs(); len(ps) > 0 {
		a.pairedFamily(ps)
		out[name+"-paired"] = a.pairedTable(ps).markdown()
	}
	if cs := a.checkClaims(); len(cs) > 0 {
		out[name+"-claims"] = a.claimsTable(cs).markdown()
	}
	return out
}

// analyseStore loads and analyses a store as Render does, without writing anything.
func analyseStore(storeDir string, opts Options) (*analysis, error) {
	if _, err := opts.withDefaults(); err != nil {
		return nil, err
	}
	s, err := loadStore(storeDir)
	if err != nil {
		return nil, err
	}
	sc, err := readSpecConfig(s.SpecSource)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", storeDir, err)
	}
	if opts, err = opts.mergeSpec(sc); err != nil {
		return nil, err
	}
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if o.Claims == nil {
		o.Claims = claimsFor(s.SpecName)
	}
	return analyse(s, o), nil
}

// UpdateMarkdown rewrites the blocks of doc named in blocks and returns the new document and the
// names of the blocks it rewrote; blocks the document has but blocks lacks stay as they are. A
// begin marker without its end, or a nested begin, is an error naming the line.
func UpdateMarkdown(doc []byte, blocks map[string][]byte) ([]byte, []string, error) {
	var out bytes.Buffer
	var done []string
	pos := 0
	open, openLine := "", 0
	fences := fenceOffsets(doc)
	for _, m := range blockMarker.FindAllSubmatchIndex(doc, -1) {
		if inCode(doc, fences, m[0]) {
			continue
		}
		line := 1 + bytes.Count(doc[:m[0]], []byte("\n"))
		if m[4] >= 0 { // begin NAME
			if open != "" {
				return nil, nil, fmt.Errorf("line %d: pal:begin %s inside the block %s opened on line %d: close it with <!-- pal:end --> first", line, doc[m[4]:m[5]], open, openLine)
			}
			open, openLine = string(doc[m[4]:m[5]]), line
			out.Write(doc[pos:m[1]])
			pos = m[1]
			continue
		}
		if open == "" {
			return nil, nil, fmt.Errorf("line %d: <!-- pal:end --> without a pal:begin", line)
		}
		if b, ok := blocks[open]; ok {
			out.WriteString("\n")
			out.Write(b)
			done = append(done, open)
		} else {
			out.Write(doc[pos:m[0]])
			pos = m[0]
		}
		out.Write(doc[max(pos, m[0]):m[1]])
		pos = m[1]
		open = ""
	}
	if open != "" {
		return nil, nil, fmt.Errorf("line %d: <!-- pal:begin %s --> has no <!-- pal:end -->", openLine, open)
	}
	out.Write(doc[pos:])
	return out.Bytes(), done, nil
}

// accuracyPivot is seen-user test accuracy with dataset configurations as rows and model
// configurations as columns, then the Bayes-optimal accuracy: the form a paper's table takes.
func (a *analysis) accuracyPivot() (displayTable, bool) {
	var cols []string
	seen := map[string]bool{}
	for _, g := range a.Datasets {
		for _, rw := range g.Rows {
			if !seen[rw.Label] {
				seen[rw.Label] = true
				cols = append(cols, rw.Label)
			}
		}
	}
	if len(cols) == 0 {
		return displayTable{}, false
	}
	h, right := a.datasetHeader()
	h, right = append(h, cols...), append(right, make([]bool, len(cols))...)
	for i := len(right) - len(cols); i < len(right); i++ {
		right[i] = true
	}
	if a.HasBayes {
		h, right = append(h, "Bayes-optimal"), append(right, true)
	}
	t := displayTable{Header: h, Right: right}
	for _, g := range a.Datasets {
		c := a.datasetCells(g)
		for _, name := range cols {
			cell := missing
			for _, rw := range g.Rows {
				if rw.Label == name {
					cell = meanStd(rw.Seen)
				}
			}
			c = append(c, cell)
		}
		if a.HasBayes {
			c = append(c, meanStd(g.Bayes))
		}
		t.Rows = append(t.Rows, c)
	}
	return t, true
}

// fewShotPivot is unseen users' mean test accuracy by pairs per user, a row per dataset and
// model configuration with a few-shot curve, and the same model's seen-user accuracy last.
func (a *analysis) fewShotPivot() (displayTable, bool) {
	xs := map[int]bool{}
	for _, g := range a.Datasets {
		for _, rw := range g.Rows {
			for _, p := range rw.FewShot {
				xs[p.PairsPerUser] = true
			}
		}
	}
	if len(xs) == 0 {
		return displayTable{}, false
	}
	ns := sortedKeys(xs)
	h, right := a.configHeader()
	for _, n := range ns {
		h, right = append(h, "n = "+strconv.Itoa(n)), append(right, true)
	}
	h, right = append(h, "seen users"), append(right, true)
	t := displayTable{Header: h, Right: right}
	for _, g := range a.Datasets {
		for _, rw := range g.Rows {
			if len(rw.FewShot) == 0 {
				continue
			}
			c := a.configCells(rw)
			for _, n := range ns {
				cell := missing
				if acc, ok := rw.fewShotAt(n); ok {
					cell = fix1(pct(acc.Mean))
				}
				c = append(c, cell)
			}
			seenCell := missing
			if rw.Seen.N > 0 {
				seenCell = fix1(pct(rw.Seen.Mean))
			}
			t.Rows = append(t.Rows, append(c, seenCell))
		}
	}
	return t, true
}

// modelsFewShot are the few-shot sizes the models table shows, where the spec has them: a
// handful of pairs and about as many as the paper says unseen users need.
var modelsFewShot = []int{10, 40}

// modelsTable compares model configurations side by side: seen- and unseen-user test accuracy
// (mean ± std over seeds, percent), unseen users' accuracy with 10 and 40 pairs each, and the
// parameter counts of the first seed's run (trainable, shared, per user, frozen); then, where
// the data knows it, the Bayes-optimal accuracy of the same pairs.
func (a *analysis) modelsTable() (displayTable, bool) {
	var ns []int
	for _, n := range modelsFewShot {
		if slices.ContainsFunc(a.Datasets, func(g *datasetGroup) bool {
			return slices.ContainsFunc(g.Rows, func(rw *row) bool { _, ok := rw.fewShotAt(n); return ok })
		}) {
			ns = append(ns, n)
		}
	}
	h, right := a.configHeader()
	h, right = append(h, "seen users", "unseen users"), append(right, true, true)
	for _, n := range ns {
		h, right = append(h, "few-shot "+strconv.Itoa(n)), append(right, true)
	}
	h, right = append(h, "trainable", "shared", "per user", "frozen"), append(right, true, true, true, true)
	t := displayTable{Header: h, Right: right}
	for _, g := range a.Datasets {
		for _, rw := range g.Rows {
			if len(rw.Runs) == 0 || rw.Runs[0].R.Metrics == nil {
				continue
			}
			c := a.configCells(rw)
			c = append(c, meanStd1(rw.Seen), meanStd1(rw.Unseen))
			for _, n := range ns {
				cell := missing
				if acc, ok := rw.fewShotAt(n); ok {
					cell = meanStd1(acc)
				}
				c = append(c, cell)
			}
			m := rw.Runs[0].R.Metrics
			for _, v := range []int{m.TrainableParams, m.SharedParams, m.ParamsPerUser, m.FrozenParams} {
				c = append(c, strconv.Itoa(v))
			}
			t.Rows = append(t.Rows, c)
		}
		if g.Bayes.N > 0 && len(g.Rows) > 0 {
			// The labels' ceiling: the true model's accuracy on these very pairs.
			c := a.datasetCells(g)
			c = append(c, "Bayes-optimal", meanStd1(g.Bayes), meanStd1(g.UnseenBayes))
			for range len(ns) + 4 {
				c = append(c, missing)
			}
			t.Rows = append(t.Rows, c)
		}
	}
	return t, len(t.Rows) > 0
}

// perGroupTable is seen-user test accuracy per true group (a column per group name, in the
// order the data sets name them), a row per dataset and model configuration.
func (a *analysis) perGroupTable() (displayTable, bool) {
	var cols []string
	col := map[string]int{}
	type keyed struct {
		g    *datasetGroup
		keys []string
		lbls []string
	}
	var gs []keyed
	for _, g := range a.Datasets {
		keys := perGroupKeys(g, splitSeen)
		if len(keys) < 2 {
			continue
		}
		names := a.groupNames(g)
		k := keyed{g: g, keys: keys}
		for _, key := range keys {
			l := groupLabel(names, key)
			k.lbls = append(k.lbls, l)
			if _, ok := col[l]; !ok {
				col[l] = len(cols)
				cols = append(cols, l)
			}
		}
		gs = append(gs, k)
	}
	if len(cols) == 0 {
		return displayTable{}, false
	}
	h, right := a.configHeader()
	for _, c := range cols {
		h, right = append(h, c), append(right, true)
	}
	t := displayTable{Header: h, Right: right}
	for _, k := range gs {
		for _, rw := range k.g.Rows {
			st := a.groupStatsOf(rw, k.keys)
			cells := make([]string, len(cols))
			for i := range cells {
				cells[i] = missing
			}
			for i, l := range k.lbls {
				cells[col[l]] = meanStd1(st.Groups[i])
			}
			t.Rows = append(t.Rows, append(a.configCells(rw), cells...))
		}
	}
	return t, true
}

// meanStd1 is an accuracy summary in percent with one decimal: "91.0 ± 1.4".
func meanStd1(s Summary) string { return meanStdPct(s, fix1) }

// datasetHeader and datasetCells are the dataset-configuration columns alone.
func (a *analysis) datasetHeader() ([]string, []bool) {
	h, right := a.configHeader()
	return h[:len(h)-1], right[:len(right)-1]
}

func (a *analysis) datasetCells(g *datasetGroup) []string {
	if len(g.Rows) == 0 {
		return nil
	}
	c := a.configCells(g.Rows[0])
	return c[:len(c)-1]
}

func fix1(x float64) string {
	return strings.Replace(strconv.FormatFloat(x, 'f', 1, 64), "-", minus, 1)
}

// ClaimsListMarkdown is the block "paper-claims": every claim of paper/claims.toml with its
// experiment, the published value and its source, whether or not a store checks it.
func ClaimsListMarkdown() []byte {
	t := displayTable{Header: []string{"claim", "experiment", "quantity", "paper", "source", "rule"},
		Right: []bool{false, false, false, true, false, false}}
	for _, c := range paper.Claims() {
		t.Rows = append(t.Rows, []string{c.ID, c.Experiment, c.Quantity, publishedText(c), c.Source, ruleText(c)})
	}
	return t.markdown()
}
