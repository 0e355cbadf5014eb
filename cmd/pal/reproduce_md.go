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
		"of paper/claims.toml); the text outside the markers is kept.\n"+
		"After make reproduce: bin/pal reproduce-md results/reproduce/*", stderr)
	file := fs.String("file", "REPRODUCE.md", "the Markdown file whose blocks are rewritten")
	check := fs.Bool("check", false, "write nothing; exit 1 when the file's blocks differ from the stores'")
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
	for _, store := range pos {
		b, err := reports.MarkdownBlocks(store, reports.Options{Warnings: prefixWriter{w: stderr, prefix: "pal reproduce-md: warning: "}})
		if err != nil {
			fmt.Fprintf(stderr, "pal reproduce-md: %v\n", err)
			return exitBadInput
		}
		for k, v := range b {
			blocks[k] = v
		}
	}
	out, done, err := reports.UpdateMarkdown(doc, blocks)
	if err != nil {
		fmt.Fprintf(stderr, "pal reproduce-md: %s %v\n", *file, err)
		return exitBadInput
	}
	if len(done) == 0 {
		fmt.Fprintf(stderr, "pal reproduce-md: %s has no block these stores fill (they offer: %s)\n", *file, strings.Join(sortedNames(blocks), ", "))
		return exitBadInput
	}
	if *check {
		if !bytes.Equal(out, doc) {
			fmt.Fprintf(stderr, "pal reproduce-md: %s is out of date with the stores: run pal reproduce-md without --check\n", *file)
			return exitRunsFailed
		}
		fmt.Fprintf(stdout, "%s: %d blocks up to date\n", *file, len(done))
		return exitOK
	}
	if err := atomicfile.Write(*file, out); err != nil {
		fmt.Fprintf(stderr, "pal reproduce-md: %v\n", err)
		return exitRunsFailed
	}
	fmt.Fprintf(stdout, "%s: rewrote %s\n", *file, strings.Join(done, ", "))
	return exitOK
}

func sortedNames(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
