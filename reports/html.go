package reports

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"sort"
	"strings"
)

// echartsJS is echarts 5.6.0 (Apache-2.0, assets/ECHARTS-LICENSE), inlined into every page so
// that a report opens on a machine with no network. 5.6.0 rather than 6: in 6 a legend was
// drawn over a control.
//
//go:embed assets/echarts.min.js
var echartsJS string

//go:embed assets/report.html.tmpl
var pageTemplate string

var pageTmpl = template.Must(template.New("report").Funcs(template.FuncMap{
	"join": strings.Join,
	"inc":  func(i int) int { return i + 1 },
}).Parse(pageTemplate))

type pageData struct {
	Title       string
	SpecName    string
	Description string
	StoreDir    string
	SpecSource  string
	SpecErr     string
	NRuns       int
	NOK         int
	NFailed     int
	NOther      int
	Seeds       string
	NSeeds      int
	PalVersions []string
	GitCommits  []string
	GoVersions  []string
	DataNotes   []string
	StoreNotes  []string // stale results left out, runs without a result, how runs were told apart
	Prints      []fingerprintRow
	PrintWarn   string
	CILevel     string

	Accuracy displayTable

	XName   string // short name of the accuracy chart's x axis ("k")
	XNote   string
	AccVsX  []pageChart
	FewNote string
	FewShot []pageChart

	Baseline   string
	BaseNote   string
	Paired     displayTable
	NPaired    int
	FewPaired  bool // some comparison has fewer than 3 seeds
	Failed     []failedRow
	Tables     []string
	EchartsJS  template.JS
	ChartsInit template.JS
}

type pageChart struct {
	ID, Title, Caption, PNG, SVG string
}

type fingerprintRow struct {
	Dataset, Seed, Prints string
	Mismatch              bool
}

type failedRow struct {
	RunID, Status, Params, Reason string
}

func (a *analysis) page(ps []paired, cs chartSet, tables []string) ([]byte, error) {
	s := a.Store
	d := pageData{
		Title:       a.Opts.Title,
		SpecName:    s.SpecName,
		Description: s.Description,
		StoreDir:    s.Dir,
		SpecSource:  string(s.SpecSource),
		SpecErr:     s.SpecErr,
		NRuns:       len(s.Runs),
		NOK:         len(s.OK),
		NFailed:     len(s.Failed),
		NOther:      len(s.Unknown),
		NSeeds:      len(s.Seeds),
		PalVersions: a.PalVersions,
		GitCommits:  a.GitCommits,
		GoVersions:  a.GoVersions,
		DataNotes:   a.DatasetNotes,
		StoreNotes:  s.Notes,
		CILevel:     fmt.Sprintf("%g%%", 100*a.Opts.CILevel),
		Accuracy:    a.accuracyTable(),
		XNote:       a.XNote,
		XName:       "K",
		Baseline:    a.Baseline,
		BaseNote:    a.BaseNote,
		NPaired:     len(ps),
		Tables:      tables,
		EchartsJS:   template.JS(echartsJS),
	}
	if a.XKey != "" && a.XKey != "model.k" {
		d.XName = a.Short[a.XKey]
	}
	if d.Title == "" {
		d.Title = "PAL report: " + s.SpecName
	}
	seeds := make([]string, len(s.Seeds))
	for i, sd := range s.Seeds {
		seeds[i] = fmt.Sprint(sd)
	}
	d.Seeds = strings.Join(seeds, ", ")

	for _, g := range a.Datasets {
		seedList := make([]uint64, 0, len(g.Fingerprints))
		for sd := range g.Fingerprints {
			seedList = append(seedList, sd)
		}
		sort.Slice(seedList, func(i, j int) bool { return seedList[i] < seedList[j] })
		for _, sd := range seedList {
			fps := g.Fingerprints[sd]
			d.Prints = append(d.Prints, fingerprintRow{Dataset: g.Label, Seed: fmt.Sprint(sd), Prints: strings.Join(fps, " "), Mismatch: len(fps) > 1})
			if len(fps) > 1 {
				d.PrintWarn = "Some seeds report more than one dataset fingerprint: the models of that replicate did not see the same data, so the paired comparison is not paired on data."
			}
		}
	}

	if len(ps) > 0 {
		d.Paired = a.pairedTable(ps)
		for _, p := range ps {
			if len(p.Seeds) < 3 {
				d.FewPaired = true
			}
		}
	} else if d.BaseNote == "" && a.Baseline != "" {
		d.BaseNote = "Only the baseline was run: there is nothing to compare it with."
	}

	var init strings.Builder
	add := func(dst *[]pageChart, c chartSpec) error {
		js, err := echartsOption(c)
		if err != nil {
			return err
		}
		fmt.Fprintf(&init, "  mk(%q, %s);\n", c.ID, js)
		*dst = append(*dst, pageChart{ID: c.ID, Title: c.Title, Caption: c.Caption, PNG: "figures/" + c.File + ".png", SVG: "figures/" + c.File + ".svg"})
		return nil
	}
	for _, c := range cs.AccVsX {
		if err := add(&d.AccVsX, c); err != nil {
			return nil, err
		}
	}
	if a.XKey != "" && len(cs.AccVsX) < len(a.Datasets) {
		d.XNote = strings.TrimSpace(d.XNote + fmt.Sprintf(" Dataset configs without a run that has %q have no chart.", a.XKey))
	}
	for _, c := range cs.FewShot {
		if err := add(&d.FewShot, c); err != nil {
			return nil, err
		}
	}
	if len(cs.FewShot) == 0 {
		d.FewNote = "No run recorded a few-shot curve (metrics few_shot is empty), so there is no few-shot chart."
	}
	d.ChartsInit = template.JS(init.String())

	for _, r := range append(append([]*run(nil), s.Failed...), s.Unknown...) {
		reason := r.R.Error
		if reason == "" {
			reason = "(no reason recorded)"
		}
		d.Failed = append(d.Failed, failedRow{RunID: r.R.RunID, Status: r.R.Status, Params: paramsText(r.R.Params), Reason: reason})
	}
	sort.Slice(d.Failed, func(i, j int) bool { return d.Failed[i].RunID < d.Failed[j].RunID })

	var b bytes.Buffer
	if err := pageTmpl.Execute(&b, d); err != nil {
		return nil, fmt.Errorf("report.html: %w", err)
	}
	return b.Bytes(), nil
}
