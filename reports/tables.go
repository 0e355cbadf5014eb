package reports

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/pal-harness/pal/internal/atomicfile"
)

// Symbols in display cells. Renderers map them to their own notation (LaTeX: $\pm$, ---).
const (
	pm      = "±"
	missing = "—"
)

// displayTable is a table as a reader sees it: formatted cells, one alignment per column.
// The same value renders to HTML, Markdown and LaTeX, so the three never disagree.
type displayTable struct {
	Header []string
	Right  []bool // right-align (numbers)
	Rows   [][]string
}

// tidyTable is the machine-readable form: plain numbers, one column per quantity, NaN as an
// empty cell (read by pandas and R as missing).
type tidyTable struct {
	Header []string
	Rows   [][]string
}

// The model-config columns of both tables: the dataset axes, the model name, the other axes.
func (a *analysis) configHeader() ([]string, []bool) {
	var h []string
	var right []bool
	for _, k := range a.Store.DatasetKeys {
		h, right = append(h, a.Short[k]), append(right, true)
	}
	h, right = append(h, "model"), append(right, false)
	for _, k := range a.Store.ModelKeys {
		h, right = append(h, a.Short[k]), append(right, true)
	}
	return h, right
}

func (a *analysis) configCells(rw *row) []string {
	var c []string
	for _, p := range rw.Group.Params {
		c = append(c, valueOr(p))
	}
	c = append(c, rw.Model)
	for _, p := range rw.Params {
		c = append(c, valueOr(p))
	}
	return c
}

func (a *analysis) configTidy(rw *row) ([]string, []string) {
	h := append(append([]string(nil), a.Store.DatasetKeys...), "model")
	h = append(h, a.Store.ModelKeys...)
	var c []string
	for _, p := range rw.Group.Params {
		c = append(c, tidyValue(p))
	}
	c = append(c, rw.Model)
	for _, p := range rw.Params {
		c = append(c, tidyValue(p))
	}
	return h, c
}

func valueOr(p param) string {
	if !p.Present {
		return missing
	}
	return formatValue(p.Value)
}

func tidyValue(p param) string {
	if !p.Present {
		return ""
	}
	return formatValue(p.Value)
}

func (a *analysis) ciHeader() string { return fmt.Sprintf("%g%% CI", 100*a.Opts.CILevel) }

// accuracyTable: one row per dataset config and model config, accuracies in percent.
func (a *analysis) accuracyTable() displayTable {
	h, right := a.configHeader()
	add := func(name string, r bool) { h, right = append(h, name), append(right, r) }
	add("seen test acc (%)", true)
	add(a.ciHeader(), true)
	if a.HasUnseen {
		add("unseen test acc (%)", true)
		add(a.ciHeader(), true)
	}
	if a.HasBayes {
		add("Bayes test acc (%)", true)
	}
	add("trainable params", true)
	add("seeds", true)
	t := displayTable{Header: h, Right: right}
	for _, g := range a.Datasets {
		for _, rw := range g.Rows {
			c := a.configCells(rw)
			c = append(c, meanStd(rw.Seen), interval(rw.Seen))
			if a.HasUnseen {
				c = append(c, meanStd(rw.Unseen), interval(rw.Unseen))
			}
			if a.HasBayes {
				c = append(c, meanStd(rw.Bayes))
			}
			c = append(c, count(rw.Trainable), strconv.Itoa(len(rw.Seeds)))
			t.Rows = append(t.Rows, c)
		}
	}
	return t
}

func (a *analysis) accuracyTidy() tidyTable {
	var t tidyTable
	for _, g := range a.Datasets {
		for _, rw := range g.Rows {
			h, c := a.configTidy(rw)
			h = append(h, "n_seeds")
			c = append(c, strconv.Itoa(len(rw.Seeds)))
			for _, m := range []struct {
				name string
				s    Summary
			}{{"seen_test_acc", rw.Seen}, {"unseen_test_acc", rw.Unseen}, {"bayes_test_acc", rw.Bayes}} {
				h = append(h, m.name+"_n", m.name+"_mean", m.name+"_std", m.name+"_ci_lo", m.name+"_ci_hi")
				c = append(c, strconv.Itoa(m.s.N), fnum(m.s.Mean), fnum(m.s.Std), fnum(m.s.Lo), fnum(m.s.Hi))
			}
			h = append(h, "trainable_params")
			c = append(c, fnum(rw.Trainable.Mean))
			t.Header = h
			t.Rows = append(t.Rows, c)
		}
	}
	return t
}

// pairedTable: each model config against the baseline, differences in percentage points.
func (a *analysis) pairedTable(ps []paired) displayTable {
	h, right := a.configHeader()
	h = append(h, "baseline", "paired seeds", "Δ seen test acc (pp)", a.ciHeader()+" (pp)", "p", "note")
	right = append(right, false, true, true, true, true, false)
	t := displayTable{Header: h, Right: right}
	for _, p := range ps {
		c := a.configCells(p.Row)
		c = append(c, p.Base.Label, strconv.Itoa(len(p.Seeds)))
		if p.OK {
			c = append(c, meanStd(p.Test.Diff), interval(p.Test.Diff), pValue(p.Test.P))
		} else {
			c = append(c, missing, missing, missing)
		}
		note := p.Note
		if note == "" {
			note = missing
		}
		t.Rows = append(t.Rows, append(c, note))
	}
	return t
}

func (a *analysis) pairedTidy(ps []paired) tidyTable {
	var t tidyTable
	for _, p := range ps {
		h, c := a.configTidy(p.Row)
		h = append(h, "baseline", "n_pairs", "diff_mean", "diff_std", "diff_ci_lo", "diff_ci_hi", "t", "p")
		d := p.Test.Diff
		c = append(c, p.Base.Label, strconv.Itoa(len(p.Seeds)))
		if p.OK {
			c = append(c, fnum(d.Mean), fnum(d.Std), fnum(d.Lo), fnum(d.Hi), fnum(p.Test.T), fnum(p.Test.P))
		} else {
			c = append(c, "", "", "", "", "", "")
		}
		t.Header = h
		t.Rows = append(t.Rows, c)
	}
	return t
}

// fewShotTidy: one row per dataset config, model config and pairs-per-user value.
func (a *analysis) fewShotTidy() tidyTable {
	var t tidyTable
	for _, g := range a.Datasets {
		for _, rw := range g.Rows {
			for _, fp := range rw.FewShot {
				h, c := a.configTidy(rw)
				h = append(h, "pairs_per_user", "n", "unseen_acc_mean", "unseen_acc_std", "unseen_acc_ci_lo", "unseen_acc_ci_hi")
				s := fp.Acc
				c = append(c, strconv.Itoa(fp.PairsPerUser), strconv.Itoa(s.N), fnum(s.Mean), fnum(s.Std), fnum(s.Lo), fnum(s.Hi))
				t.Header = h
				t.Rows = append(t.Rows, c)
			}
		}
	}
	return t
}

func meanStd(s Summary) string {
	switch {
	case s.N == 0:
		return missing
	case s.N == 1:
		return fix2(pct(s.Mean))
	}
	return fix2(pct(s.Mean)) + " " + pm + " " + fix2(pct(s.Std))
}

func interval(s Summary) string {
	if s.N < 2 {
		return missing
	}
	return "[" + fix2(pct(s.Lo)) + ", " + fix2(pct(s.Hi)) + "]"
}

// fix2 prints two decimals, without the "-0.00" that a difference of ±1e-17 would show.
func fix2(x float64) string {
	s := strconv.FormatFloat(x, 'f', 2, 64)
	if s == "-0.00" {
		return "0.00"
	}
	return s
}

// count shows a parameter count; it varies over seeds only if something is off, so the spread
// is shown when it does.
func count(s Summary) string {
	switch {
	case s.N == 0:
		return missing
	case s.N == 1 || s.Std == 0:
		return strconv.FormatFloat(s.Mean, 'f', 0, 64)
	}
	return fmt.Sprintf("%.0f %s %.0f", s.Mean, pm, s.Std)
}

func pValue(p float64) string {
	switch {
	case math.IsNaN(p):
		return missing
	case p < 0.001:
		return "< 0.001"
	}
	return fmt.Sprintf("%.3f", p)
}

func fnum(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return ""
	}
	return strconv.FormatFloat(x, 'g', -1, 64)
}

func (t tidyTable) csv() ([]byte, error) {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	if err := w.Write(t.Header); err != nil {
		return nil, err
	}
	if err := w.WriteAll(t.Rows); err != nil {
		return nil, err
	}
	return b.Bytes(), w.Error()
}

// markdown renders a GitHub-flavoured pipe table.
func (t displayTable) markdown() []byte {
	var b bytes.Buffer
	esc := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
	b.WriteString("|")
	for _, h := range t.Header {
		b.WriteString(" " + esc(h) + " |")
	}
	b.WriteString("\n|")
	for _, r := range t.Right {
		if r {
			b.WriteString("---:|")
		} else {
			b.WriteString(":---|")
		}
	}
	b.WriteString("\n")
	for _, row := range t.Rows {
		b.WriteString("|")
		for _, c := range row {
			b.WriteString(" " + esc(c) + " |")
		}
		b.WriteString("\n")
	}
	return b.Bytes()
}

var latexEscaper = strings.NewReplacer(
	`\`, `\textbackslash{}`, `&`, `\&`, `%`, `\%`, `$`, `\$`, `#`, `\#`, `_`, `\_`,
	`{`, `\{`, `}`, `\}`, `~`, `\textasciitilde{}`, `^`, `\textasciicircum{}`,
	pm, `$\pm$`, missing, `---`, "Δ", `$\Delta$`, "<", `$<$`, ">", `$>$`,
)

// latex renders a booktabs tabular (needs \usepackage{booktabs}) to \input into a paper.
func (t displayTable) latex(caption string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%% %s\n%% Written by pal report; needs \\usepackage{booktabs}.\n", latexEscaper.Replace(caption))
	b.WriteString(`\begin{tabular}{`)
	for _, r := range t.Right {
		if r {
			b.WriteString("r")
		} else {
			b.WriteString("l")
		}
	}
	b.WriteString("}\n\\toprule\n")
	line := func(cells []string) {
		for i, c := range cells {
			if i > 0 {
				b.WriteString(" & ")
			}
			c = latexEscaper.Replace(c)
			if i == 0 && strings.HasPrefix(c, "[") {
				c = "{}" + c // a row starting with [ would be read as \\[length]
			}
			b.WriteString(c)
		}
		b.WriteString(" \\\\\n")
	}
	line(t.Header)
	b.WriteString("\\midrule\n")
	for _, r := range t.Rows {
		line(r)
	}
	b.WriteString("\\bottomrule\n\\end{tabular}\n")
	return b.Bytes()
}

// writeTables writes NAME.csv, NAME.md and NAME.tex for the accuracy and paired tables, and
// few_shot.csv when there is a few-shot curve; it returns the file names written.
func writeTables(dir string, a *analysis, ps []paired) ([]string, error) {
	type out struct {
		name    string
		caption string
		disp    *displayTable
		tidy    tidyTable
	}
	acc := a.accuracyTable()
	outs := []out{{"accuracy", "Seen- and unseen-user test accuracy over seeds: mean " + pm + " sample std, and a Student-t interval for the mean.", &acc, a.accuracyTidy()}}
	if len(ps) > 0 {
		pt := a.pairedTable(ps)
		outs = append(outs, out{"paired", "Paired differences in seen-user test accuracy against the baseline (percentage points), paired by seed; p from a two-sided paired t-test.", &pt, a.pairedTidy(ps)})
	}
	if a.HasFewShot {
		outs = append(outs, out{"few_shot", "", nil, a.fewShotTidy()})
	}
	var files []string
	for _, o := range outs {
		c, err := o.tidy.csv()
		if err != nil {
			return files, fmt.Errorf("table %s: %w", o.name, err)
		}
		contents := map[string][]byte{o.name + ".csv": c}
		if o.disp != nil {
			md, caption := o.disp.markdown(), o.caption
			for _, n := range a.DatasetNotes { // caveats about the data travel with the numbers
				md = append(md, "\nNote: "+n+"\n"...)
				caption += " Note: " + n + "."
			}
			contents[o.name+".md"] = md
			contents[o.name+".tex"] = o.disp.latex(caption)
		}
		for _, name := range sortedKeys(contents) {
			if err := atomicfile.Write(filepath.Join(dir, name), contents[name]); err != nil {
				return files, err
			}
			files = append(files, name)
		}
	}
	return files, nil
}
