package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/pal-harness/pal/datasets"
	"github.com/pal-harness/pal/datasets/catalog"
	"github.com/pal-harness/pal/internal/experiment"
)

// convert writes a data set whose kind can (datasets.Converter: the Pick-a-Pic and
// Pick-a-Filter releases, a zip of joblib pickles) as a bring-your-own folder, so other tools
// (and `kind = "files"` specs) can read it.
func (d *dataCmd) convert(args []string) int {
	fs := newFlagSet("pal data convert", "pal data convert NAME|FILE OUT [--cache DIR]\n\n"+
		"Converts a data set into a bring-your-own folder OUT (items.npy, pairs.csv, and for\n"+
		"prompt-conditioned data prompts.npy with a prompt column): a catalog name such as\n"+
		"pick-a-filter-0.4, or the path of a release file (a Pick-a-Pic .zip). The release is\n"+
		"streamed one comparison at a time; OUT is left as it was if anything fails.\n"+
		"Kinds that convert: "+strings.Join(experiment.Converters(), ", ")+".", d.stderr)
	cacheFlag := d.cacheFlag(fs)
	pos, code, ok := parseArgs(fs, args, 2, "want a data set name or release file and an output folder, e.g. pal data convert pick-a-filter-0.4 paf-0.4")
	if !ok {
		return code
	}
	conv, err := d.converter(pos[0])
	if err != nil {
		fmt.Fprintf(d.stderr, "pal data convert: %v\n", err)
		return exitBadInput
	}
	cache, err := catalog.CacheDir(*cacheFlag, d.getenv)
	if err != nil {
		cache = "" // no cache folder: only a path given on the command line can be read
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	lines, err := conv.Convert(ctx, datasets.Env{CacheDir: cache, Getenv: d.getenv}, pos[1])
	switch {
	case errors.Is(err, context.Canceled):
		fmt.Fprintln(d.stderr, "pal data convert: interrupted; the output folder is unchanged")
		return exitInterrupted
	case err != nil:
		fmt.Fprintf(d.stderr, "pal data convert: %v\n", err)
		return exitBadInput
	}
	for _, l := range lines {
		fmt.Fprintln(d.stdout, l)
	}
	return exitOK
}

// converter finds the config that converts arg: a catalog name, else a file or folder a kind
// recognises.
func (d *dataCmd) converter(arg string) (datasets.Converter, error) {
	var kind string
	var cfg datasets.Kind
	if e, ok := d.find(arg); ok {
		var err error
		if kind, cfg, err = experiment.ConfigForEntry(e); err != nil {
			return nil, err
		}
	} else if k, c, ok := experiment.ForPath(arg); ok {
		kind, cfg = k, c
	} else {
		if _, err := os.Stat(arg); err != nil {
			return nil, fmt.Errorf("%q is neither a catalog data set (see pal data list) nor a readable file: %v", arg, err)
		}
		return nil, fmt.Errorf("%s is not a release file pal recognises (kinds that convert: %s)", arg, strings.Join(experiment.Converters(), ", "))
	}
	conv, ok := cfg.(datasets.Converter)
	if !ok {
		return nil, fmt.Errorf("%s is a %s data set, which cannot be converted (kinds that convert: %s)", arg, kind, strings.Join(experiment.Converters(), ", "))
	}
	return conv, nil
}
