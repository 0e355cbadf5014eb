// Package reports turns a run store into something a person reads: a self-contained
// report.html, figures as PNG and SVG, and tables as CSV, Markdown and LaTeX. It aggregates the
// runs over seeds (mean, sample standard deviation, Student-t intervals), compares each model
// configuration with a baseline by a paired t-test over seeds, and lists the runs that failed.
//
// It reads only the files of the store (spec.toml and each run's result.json), through package
// sweeps/runstore, their one reader, so a report can be rendered again anywhere, at any time, without
// training anything. It does not run experiments, and it draws no conclusions beyond the
// statistics it shows.
//
// Every output is meant to go into a paper as it is: figures at a column's 3.25 in (or 6.75 in)
// with 8-9 pt text, the legend below, no baked-in title, one Okabe-Ito colour per model
// configuration across the report, display names ("PAL-A, K = 3") instead of spec keys, PNG at
// 300 dpi, SVG and PDF; LaTeX tables as captioned, labelled booktabs floats. The "paper against
// ours" cell checks the claims of paper/claims.toml on the store (claims.go), and
// MarkdownBlocks/UpdateMarkdown keep REPRODUCE.md's tables generated from stores. A spec's
// [report] table (SpecConfig) and pal report's flags (Options) choose names, order, baseline,
// x axes, figure size, Holm correction and bold best values.
//
// Grouping is generic: a dataset config is the combination of the swept "dataset.*" values, a
// model config is the model name with every other swept value ("model.*", "train.*", ...), and
// seeds are the replicates aggregated over. The accuracy-against charts put each numeric swept
// model axis (model.k first) on the x axis; a model without that axis (BTL) is drawn as a
// horizontal line.
//
// The report is a list of sections (sections.go), one cell of the page each: a section is a
// type whose build method returns the cell's title, text, charts and tables from the analysis,
// and render writes every cell's figures and tables the same way. A chart is a chartSpec that
// both back-ends draw, kind by kind (line, level and reference lines, grouped bars, box and
// strip, scatter): echarts.go for the page, figures.go for the PNG and SVG files.
// docs/extending.md shows how to add a section.
//
// The page opens with no network: echarts (vendored in assets/, Apache-2.0) is inlined and the
// chart options are built with go-echarts, whose own page templates would load echarts from a
// CDN. Figures are drawn with gonum.org/v1/plot, whose PNG and SVG output is byte-identical
// between runs; every map is walked in sorted order, so the same store gives the same bytes.
package reports
