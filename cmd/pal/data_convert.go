package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/pal-harness/pal/datasets/catalog"
	"github.com/pal-harness/pal/datasets/pickapic"
)

// convert writes a Pick-a-Pic or Pick-a-Filter release (the authors' zip of joblib pickles)
// as a bring-your-own folder, so other tools (and `kind = "files"` specs) can read it.
func (d *dataCmd) convert(args []string) int {
	fs := newFlagSet("pal data convert", "pal data convert NAME|ZIP OUT [--cache DIR]\n\n"+
		"Converts a Pick-a-Pic or Pick-a-Filter release (a catalog name such as pick-a-filter-0.4,\n"+
		"or the path of its .zip) into a bring-your-own folder OUT: items.npy, prompts.npy and\n"+
		"pairs.csv with a prompt column. The zip is streamed one comparison at a time; OUT is\n"+
		"left as it was if anything fails.", d.stderr)
	cacheFlag := d.cacheFlag(fs)
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return flagExit(err)
	}
	if len(pos) != 2 {
		fmt.Fprintln(d.stderr, "pal data convert: want a data set name or zip and an output folder, e.g. pal data convert pick-a-filter-0.4 paf-0.4")
		return exitBadInput
	}
	zipPath, err := d.releaseZip(pos[0], *cacheFlag)
	if err != nil {
		fmt.Fprintf(d.stderr, "pal data convert: %v\n", err)
		return exitBadInput
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	st, err := pickapic.ConvertWith(ctx, zipPath, pos[1], pickapic.DefaultOptions())
	switch {
	case errors.Is(err, context.Canceled):
		fmt.Fprintln(d.stderr, "pal data convert: interrupted; the output folder is unchanged")
		return exitInterrupted
	case err != nil:
		fmt.Fprintf(d.stderr, "pal data convert: %v\n", err)
		return exitBadInput
	}
	fmt.Fprintf(d.stdout, "wrote %s: %d items (dim %d), %d prompts (dim %d), %d comparisons of %d users; labels %s; splits from %s\n",
		pos[1], st.Items, st.Dim, st.Prompts, st.PromptDim, st.Read, st.SeenUsers+st.UnseenUsers, st.Labels, st.SplitSource)
	if st.Unlisted > 0 || st.Missing > 0 {
		fmt.Fprintf(d.stdout, "note: %d comparisons were in no split list and were skipped; %d listed ids had no comparison (e.g. %v)\n",
			st.Unlisted, st.Missing, st.MissingExamples)
	}
	return exitOK
}

// releaseZip resolves a catalog name of kind pickapic or pick-a-filter to its downloaded zip,
// or takes the argument as a path.
func (d *dataCmd) releaseZip(arg, cacheFlag string) (string, error) {
	e, ok := catalog.Lookup(arg)
	if !ok {
		if _, err := os.Stat(arg); err != nil {
			return "", fmt.Errorf("%q is neither a catalog data set (see pal data list) nor a readable file: %v", arg, err)
		}
		return arg, nil
	}
	if e.Kind != "pickapic" && e.Kind != "pick-a-filter" || len(e.Files) != 1 {
		return "", fmt.Errorf("%s is a %s data set: convert reads Pick-a-Pic and Pick-a-Filter releases only", e.Name, e.Kind)
	}
	cache, err := catalog.CacheDir(cacheFlag, d.getenv)
	if err != nil {
		return "", err
	}
	p := filepath.Join(e.Dir(cache), e.Files[0].Name)
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("%s is not on disk (%s): fetch it with `pal data fetch %s`", e.Name, p, e.Name)
	}
	return p, nil
}
