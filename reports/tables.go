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
	// On the page only: Mono sets a column in a monospace font (ids, hashes), and a row whose
	// Bad is true shows its monospace cells in red (the value to worry about). Either may be nil.
	Mono []bool
	Bad  []bool
	// groupOf is the dataset config of each row, when the rows are grouped by it (markGroup):
	// LaTeX sets a \midrule between configurations. Bold marks cells LaTeX sets in bold.
	groupOf []*datasetGroup
	Bold    map[[2]int]bool
	// LaTeXCols, when set, is the tabular's column specification (p{...} columns wrap long
	// text, which r and l columns never do); the default follows Right.
	LaTeXCols string
}

// markGroup records the dataset config of the row just appended.
func (t *displayTable) markGroup(g *datasetGroup) {
	for len(t.groupOf) < len(t.Rows)-1 {
		t.groupOf = append(t.groupOf, nil)
	}
	t.groupOf = append(t.groupOf, g)
}

// startsGroup reports whether row r begins a new dataset configuration (not the first).
func (t displayTable) startsGroup(r int) bool {
	return r > 0 && r < len(t.groupOf) && t.groupOf[r] != t.groupOf[r-1]
}

// HeadClass is the class of column c's header cell on the page.
func (t displayTable) HeadClass(c int) string {
	if t.Right[c] {
		return "r"
	}
	return ""
}

// CellClass is the class of the cell in row r, column c on the page.
func (t displayTable) CellClass(r, c int) string {
	var cls []string
	if t.Right[c] {
		cls = append(cls, "r")
	}
	if c < len(t.Mono) && t.Mono[c] {
		cls = append(cls, "mono")
		if r < len(t.Bad) && t.Bad[r] {
			cls = append(cls, "bad")
		}
	}
	return strings.Join(cls, " ")
}

// A table is what a section shows and writes of one table. The writer (writeTables) puts a
// named table's Tidy form in tables/NAME.csv and its Display form in NAME.md and NAME.tex; the
// page shows the Display form in the section's cell.
type table struct {
	Name    string        // file name stem under tables/; "" for a table shown on the page only
	Caption string        // what the numbers are, written above the .tex table
	Display *displayTable // for a reader: the page, Markdown and LaTeX; nil for data only
	Tidy    *tidyTable    // for a program: CSV; nil for a table shown only
	Fold    string        // when set, the page folds the table away under this summary line
	Empty   string        // shown instead of a Display table without rows
}

// tidyTable is the machine-readable form: plain numbers, one column per quantity, NaN as an
// empty cell (read by pandas and R as missing).
type tidyTable struct {
	Header []string
	Rows   [][]string
}

// The config columns of a table a reader reads: one per dataset axis (display names: "K_true"),
// then the model configuration by its display name ("PAL-A, K = 3").
func (a *analysis) configHeader() ([]string, []bool) {
	var h []string
	var right []bool
	for _, k := range a.Store.DatasetKeys {
		h, right = append(h, a.axisDisplay(k)), append(right, true)
	}
	return append(h, "model"), append(right, false)
}

// configCells are a row's config columns as a reader sees them: "—" for an axis the row lacks.
func (a *analysis) configCells(rw *row) []string {
	var c []string
	for _, p := range rw.Group.Params {
		switch {
		case !p.Present:
			c = append(c, missing)
		case p.Value == true:
			c = append(c, "yes")
		case p.Value == false:
			c = append(c, "no")
		default:
			c = append(c, formatValue(p.Value))
		}
	}
	return append(c, rw.Label)
}

// configTidy is the header and the values of a row's config columns for a CSV: full key names,
// an empty cell for an axis the row lacks.
func (a *analysis) configTidy(rw *row) ([]string, []string) {
	h := append(append([]string(nil), a.Store.DatasetKeys...), "model")
	h = append(h, a.Store.ModelKeys...)
	return h, configValues(rw, "")
}

// configValues are a row's dataset values, model name and other axis values, with absent
// standing for an axis the row lacks.
func configValues(rw *row, absent string) []string {
	var c []string
	value := func(p param) string {
		if !p.Present {
			return absent
		}
		return formatValue(p.Value)
	}
	for _, p := range rw.Group.Params {
		c = append(c, value(p))
	}
	c = append(c, rw.Model)
	for _, p := range rw.Params {
		c = append(c, value(p))
	}
	return c
}

func (a *analysis) ciHeader() string { return fmt.Sprintf("%g%% CI", 100*a.Opts.CILevel) }

func meanStd(s Summary) string { return meanStdPct(s, fix2) }

// meanStdPct is an accuracy summary in percent, each number written by fix: "91.00 ± 1.40"; the
// mean alone for one seed, a dash for none.
func meanStdPct(s Summary, fix func(float64) string) string {
	switch {
	case s.N == 0:
		return missing
	case s.N == 1:
		return fix(pct(s.Mean))
	}
	return fix(pct(s.Mean)) + " " + pm + " " + fix(pct(s.Std))
}

// interval shows [lo, hi]; an end clipped to [0, 100] (SummarizeAccuracy) is marked with a
// trailing "*" that the tables' captions explain.
func interval(s Summary) string {
	if s.N < 2 {
		return missing
	}
	out := "[" + fix2(pct(s.Lo)) + ", " + fix2(pct(s.Hi)) + "]"
	if s.Clipped {
		out += "*"
	}
	return out
}

// minus is the true minus sign of display cells; LaTeX gets $-$ (a hyphen is too short).
const minus = "−"

// fix2 prints two decimals with a true minus sign, without the "-0.00" that a difference of
// ±1e-17 would show.
func fix2(x float64) string {
	s := strconv.FormatFloat(x, 'f', 2, 64)
	if s == "-0.00" {
		return "0.00"
	}
	return strings.Replace(s, "-", minus, 1)
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

// alignments spells each column's alignment, right or left, in a format's notation.
func (t displayTable) alignments(right, left string) string {
	var b strings.Builder
	for _, r := range t.Right {
		if r {
			b.WriteString(right)
		} else {
			b.WriteString(left)
		}
	}
	return b.String()
}

// markdown renders a GitHub-flavoured pipe table.
func (t displayTable) markdown() []byte {
	var b bytes.Buffer
	esc := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
	b.WriteString("|")
	for _, h := range t.Header {
		b.WriteString(" " + esc(h) + " |")
	}
	b.WriteString("\n|" + t.alignments("---:|", ":---|") + "\n")
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
	pm, `$\pm$`, missing, `---`, "Δ", `$\Delta$`, "<", `$<$`, ">", `$>$`, minus, `$-$`,
	"≥", `$\geq$`, "≤", `$\leq$`, "×", `$\times$`, "≈", `$\approx$`, "–", `--`, "§", `\S{}`,
)

// latex renders a booktabs table float with its caption and label (tab:NAME) to \input into a
// paper: it needs \usepackage{booktabs} and nothing else (no Unicode: every symbol is spelled
// in LaTeX). Dataset configurations are separated by a \midrule; Bold cells are set in bold.
func (t displayTable) latex(name, caption string) []byte {
	var b bytes.Buffer
	b.WriteString("% Written by pal report; needs \\usepackage{booktabs}.\n")
	b.WriteString("\\begin{table}[tbp]\n\\centering\n\\small\n")
	fmt.Fprintf(&b, "\\caption{%s}\n\\label{tab:%s}\n", latexText(caption), latexLabel(name))
	cols := t.LaTeXCols
	if cols == "" {
		cols = t.alignments("r", "l")
	}
	b.WriteString(`\begin{tabular}{` + cols + "}\n\\toprule\n")
	line := func(r int, cells []string) {
		for i, c := range cells {
			if i > 0 {
				b.WriteString(" & ")
			}
			c = latexText(c)
			if t.Bold[[2]int{r, i}] {
				c = `\textbf{` + c + `}`
			}
			if i == 0 && strings.HasPrefix(c, "[") {
				c = "{}" + c // a row starting with [ would be read as \\[length]
			}
			b.WriteString(c)
		}
		b.WriteString(" \\\\\n")
	}
	line(-1, t.Header)
	b.WriteString("\\midrule\n")
	for r, row := range t.Rows {
		if t.startsGroup(r) {
			b.WriteString("\\midrule\n")
		}
		line(r, row)
	}
	b.WriteString("\\bottomrule\n\\end{tabular}\n\\end{table}\n")
	return b.Bytes()
}

// latexText escapes text for LaTeX and spells the symbols pal writes; any other non-ASCII
// character (a display name typed by a user) becomes "?", so the table compiles with pdflatex
// whatever the input encoding.
func latexText(s string) string {
	s = latexEscaper.Replace(s)
	var b strings.Builder
	for _, r := range s {
		if r > 0x7e {
			b.WriteByte('?')
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// latexLabel keeps the characters a \label may hold.
func latexLabel(name string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == ':' {
			return r
		}
		return '-'
	}, name)
}

// writeTables writes the named tables into dir, in the order of tables (for each, NAME.csv,
// NAME.md and NAME.tex, as far as it has the forms), and returns the file names written: first
// the files of the tables a reader reads (those with a Display form), then the data-only CSVs.
// Caveats about the data travel with the numbers: each dataset note is added under the
// Markdown table and to the LaTeX caption.
func writeTables(dir string, a *analysis, tables []table) ([]string, error) {
	var shown, dataOnly []string
	for _, t := range tables {
		if t.Name == "" {
			continue
		}
		contents := map[string][]byte{}
		if t.Tidy != nil {
			c, err := t.Tidy.csv()
			if err != nil {
				return nil, fmt.Errorf("table %s: %w", t.Name, err)
			}
			contents[t.Name+".csv"] = c
		}
		if t.Display != nil {
			md, caption := t.Display.markdown(), t.Caption
			for _, n := range a.DatasetNotes {
				md = append(md, "\nNote: "+n+"\n"...)
				caption += " Note: " + n + "."
			}
			contents[t.Name+".md"] = md
			contents[t.Name+".tex"] = t.Display.latex(t.Name, caption)
		}
		names := sortedKeys(contents)
		for _, name := range names {
			if err := atomicfile.Write(filepath.Join(dir, name), contents[name]); err != nil {
				return nil, err
			}
		}
		if t.Display != nil {
			shown = append(shown, names...)
		} else {
			dataOnly = append(dataOnly, names...)
		}
	}
	return append(shown, dataOnly...), nil
}
