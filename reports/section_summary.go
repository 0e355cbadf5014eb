package reports

import (
	"fmt"
	"html/template"
)

// summarySection opens the report with its headline findings: three to six sentences, each
// computed from the runs with its interval and number of seeds, drawn from the analyses below
// (accuracy against the baseline, the worst group, users one by one, group recovery, the use of
// prototypes, the choice of K, calibration, training warnings) for the dataset configuration
// whose users fall into the most true groups.
type summarySection struct{}

// A headliner is a section that can say its finding about one dataset config in a sentence
// ("" when it has none there).
type headliner interface {
	headline(a *analysis, g *datasetGroup) string
}

// headliners are the sections the summary quotes, in the order it quotes them.
var headliners = []struct {
	title, anchor string
	h             headliner
}{
	{"Accuracy", "accuracy", accuracyHeadline{}},
	{"Worst group", "groups", groupsSection{}},
	{"Users one by one", "users", usersSection{}},
	{"Group recovery", "recovery", recoverySection{}},
	{"Prototypes in use", "prototypes-used", prototypesSection{}},
	{"Choosing K", "choose-k", chooseKSection{}},
	{"Calibration", "calibration", calibrationSection{}},
	{"Training", "curves", curvesSection{}},
}

// maxHeadlines is how many findings the summary states.
const maxHeadlines = 6

// finding is one headline: the analysis it comes from and its sentence.
type finding struct {
	Title, Anchor, Text string
}

// findings are the report's headline findings, at most maxHeadlines.
func (a *analysis) findings() []finding {
	g := a.headlineDataset()
	if g == nil {
		return nil
	}
	var out []finding
	for _, h := range headliners {
		if len(out) == maxHeadlines {
			break
		}
		if s := h.h.headline(a, g); s != "" {
			out = append(out, finding{h.title, h.anchor, s})
		}
	}
	return out
}

func (summarySection) build(a *analysis) cell {
	c := cell{ID: "summary", Title: "Headline findings"}
	g := a.headlineDataset()
	fs := a.findings()
	if g == nil || len(fs) == 0 {
		c.Narrative = []para{note("The runs of this store support no headline finding yet (no successful run).")}
		return c
	}
	intro := "Computed from the runs below"
	switch {
	case len(a.Datasets) > 1 && len(perGroupKeys(g, splitSeen)) > 0:
		intro += fmt.Sprintf(", for the dataset configuration %s (the one whose users fall into the most true groups; the cells below have every configuration)", g.Label)
	case len(a.Datasets) > 1:
		intro += fmt.Sprintf(", for the dataset configuration %s (the last; the data knows no true groups, and the cells below have every configuration)", g.Label)
	}
	c.Narrative = []para{text(template.HTML(template.HTMLEscapeString(intro + ". Intervals are " + a.ciLevel() + " Student-t intervals over seeds unless said otherwise.")))}
	for _, f := range fs {
		c.Narrative = append(c.Narrative, text(htmlf(`<strong><a href="#%s">%s</a></strong>: %s`, f.Anchor, f.Title, f.Text)))
	}
	a.record(nil) // loads the records, so read errors are known
	for _, e := range a.het.errs {
		c.Notes = append(c.Notes, note(htmlf("An analysis record could not be read, and its run is missing from the heterogeneity analyses: %s", e)))
	}
	return c
}

// accuracyHeadline states the best configuration's seen-user accuracy against the baseline's.
type accuracyHeadline struct{}

func (accuracyHeadline) headline(a *analysis, g *datasetGroup) string {
	var best *row
	for _, rw := range g.Rows {
		if rw.Seen.N > 0 && (best == nil || rw.Seen.Mean > best.Seen.Mean) {
			best = rw
		}
	}
	if best == nil {
		return ""
	}
	s := fmt.Sprintf("%s reaches the highest seen-user test accuracy, %s", best.Label, a.summaryText(best.Seen))
	if base := a.baseRow(g); base != nil && base != best && base.Seen.N > 0 {
		s += fmt.Sprintf(", against %s for %s", a.summaryText(base.Seen), base.Label)
	}
	if g.Bayes.N > 0 {
		s += fmt.Sprintf("; the Bayes-optimal accuracy on these labels is %.1f%%", pct(g.Bayes.Mean))
	}
	return s + "."
}
