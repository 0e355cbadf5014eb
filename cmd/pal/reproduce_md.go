package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/pal-harness/pal/internal/atomicfile"
	"github.com/pal-harness/pal/reports"
)

// cmdReproduceMD rewrites the generated blocks of REPRODUCE.md (<!-- pal:begin NAME --> ...
// <!-- pal:end -->) from run stores, leaving the prose around them as it is.
func cmdReproduceMD(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("pal reproduce-md", "pal reproduce-md [--file REPRODUCE.md] [--check] STORE...\n\n"+
		"Rewrites the blocks between <!-- pal:begin EXPERIMENT-TABLE --> and <!-- pal:end --> of the file from\n"+
		"the run stores (TABLE: accuracy, few-shot, models, per-group, recovery, paired, claims; the block paper-claims lists every claim\n"+
		"of paper/claims.toml), and the numbers between <!-- pal:value EXPERIMENT EXPR | FORMAT --> and <!-- pal:/value -->\n"+
		"(EXPR reads the report's CSV tables: 100*paired:diff_mean[k_true=3 model=pal-a k=3]; see REPRODUCE.md, \"The numbers of this file are generated\");\n"+
		"the text outside the markers is kept.\n"+
		"After make reproduce: bin/pal reproduce-md results/reproduce/*", stderr)
	file := fs.String("file", "REPRODUCE.md", "the Markdown file whose blocks are rewritten")
	check := fs.Bool("check", false, "write nothing; exit 1 (and show the lines that would change) when the file's blocks or values differ from the stores'")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return flagExit(err)
	}
	if len(pos) == 0 {
		fmt.Fprintln(stderr, "pal reproduce-md: name at least one run store, e.g. pal reproduce-md results/reproduce/synthetic")
		return exitBadInput
	}
	doc, err := os.ReadFile(*file)
	if err != nil {
		fmt.Fprintf(stderr, "pal reproduce-md: %v\n", err)
		return exitBadInput
	}
	blocks := map[string][]byte{}
	values := map[string]*reports.StoreValues{}
	for _, store := range pos {
		sv, err := reports.LoadStoreValues(store, reports.Options{Warnings: prefixWriter{w: stderr, prefix: "pal reproduce-md: warning: "}})
		if err != nil {
			fmt.Fprintf(stderr, "pal reproduce-md: %v\n", err)
			return exitBadInput
		}
		values[sv.Name] = sv
		for k, v := range sv.Blocks() {
			blocks[k] = v
		}
	}
	out, done, err := reports.UpdateMarkdown(doc, blocks)
	if err != nil {
		fmt.Fprintf(stderr, "pal reproduce-md: %s %v\n", *file, err)
		return exitBadInput
	}
	out, nValues, notGiven, err := reports.UpdateValues(out, values)
	if err != nil {
		fmt.Fprintf(stderr, "pal reproduce-md: %s %v\n", *file, err)
		return exitBadInput
	}
	if len(done) == 0 && nValues == 0 {
		fmt.Fprintf(stderr, "pal reproduce-md: %s has no block or value these stores fill (they offer the blocks %s)\n", *file, strings.Join(sortedNames(blocks), ", "))
		return exitBadInput
	}
	if len(notGiven) > 0 {
		fmt.Fprintf(stderr, "pal reproduce-md: values of %s left as they are: no store of that experiment given\n", strings.Join(notGiven, ", "))
	}
	if *check {
		if !bytes.Equal(out, doc) {
			fmt.Fprintf(stderr, "pal reproduce-md: %s is out of date with the stores:\n%s", *file, firstDifferences(doc, out, 10))
			fmt.Fprintln(stderr, "run pal reproduce-md without --check to rewrite it")
			return exitRunsFailed
		}
		fmt.Fprintf(stdout, "%s: %d blocks and %d values up to date\n", *file, len(done), nValues)
		return exitOK
	}
	if err := atomicfile.Write(*file, out); err != nil {
		fmt.Fprintf(stderr, "pal reproduce-md: %v\n", err)
		return exitRunsFailed
	}
	what := fmt.Sprintf("%d values", nValues)
	if len(done) > 0 {
		what = "the blocks " + strings.Join(done, ", ") + " and " + what
	}
	fmt.Fprintf(stdout, "%s: rewrote %s\n", *file, what)
	return exitOK
}

// firstDifferences lists up to n changed lines between the document and its update, by a
// longest-common-subsequence line diff ("line N: - old" for a line the update drops, "+ new"
// for one it adds), so a check says which numbers moved.
func firstDifferences(old, updated []byte, n int) string {
	a, b := strings.Split(string(old), "\n"), strings.Split(string(updated), "\n")
	// lcs[i][j] is the length of the longest common subsequence of a[i:] and b[j:].
	lcs := make([][]int32, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int32, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out strings.Builder
	shown := 0
	for i, j := 0, 0; (i < len(a) || j < len(b)) && shown < n; {
		switch {
		case i < len(a) && j < len(b) && a[i] == b[j]:
			i, j = i+1, j+1
		case j < len(b) && (i == len(a) || lcs[i][j+1] >= lcs[i+1][j]):
			fmt.Fprintf(&out, "  line %d: + %s\n", i+1, b[j])
			j++
			shown++
		default:
			fmt.Fprintf(&out, "  line %d: - %s\n", i+1, a[i])
			i++
			shown++
		}
	}
	return out.String()
}

func sortedNames(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
