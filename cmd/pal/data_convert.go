package main

import (
	"context"
	"errors"
	"fmt"
	"math"
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
	fs := newFlagSet("pal data convert", "pal data convert NAME|FILE OUT [--cache DIR] [--scores pickscore|clip-h [--logit-scale S]]\n\n"+
		"Converts a data set into a bring-your-own folder OUT (items.npy, pairs.csv, and for\n"+
		"prompt-conditioned data prompts.npy with a prompt column): a catalog name such as\n"+
		"pick-a-filter-0.4, or the path of a release file (a Pick-a-Pic .zip). The release is\n"+
		"streamed one comparison at a time; OUT is left as it was if anything fails.\n"+
		"Kinds that convert: "+strings.Join(experiment.Converters(), ", ")+".\n\n"+
		"--scores also writes OUT/scores.csv, a reward model's margin for every pair computed from\n"+
		"the release's own embeddings, for [[model]] kind = \"imported\", per = \"pair\":\n"+
		"S x (cos(prompt, left) - cos(prompt, right)), PickScore's reward on the PickScore release\n"+
		"(pickapic-v1-pickscore: --scores pickscore) and CLIP-H zero-shot on the OpenCLIP ones\n"+
		"(--scores clip-h). No GPU and no model download (README, \"Zero-shot rewards\").", d.stderr)
	cacheFlag := d.cacheFlag(fs)
	scores := fs.String("scores", "", "also write scores.csv: pickscore (on a PickScore release) or clip-h (on an OpenCLIP ViT-H/14 release)")
	scale := fs.Float64("logit-scale", 100, "with --scores: the logit scale S multiplying the cosine (changes no ranking or accuracy)")
	pos, code, ok := parseArgs(fs, args, 2, "want a data set name or release file and an output folder, e.g. pal data convert pick-a-filter-0.4 paf-0.4")
	if !ok {
		return code
	}
	conv, err := d.converter(pos[0])
	if err != nil {
		fmt.Fprintf(d.stderr, "pal data convert: %v\n", err)
		return exitBadInput
	}
	var zs datasets.ZeroShotConverter
	if *scores != "" {
		if zs, err = zeroShotConverter(conv, pos[0], *scores, *scale); err != nil {
			fmt.Fprintf(d.stderr, "pal data convert: %v\n", err)
			return exitBadInput
		}
	}
	cache, err := catalog.CacheDir(*cacheFlag, d.getenv)
	if err != nil {
		cache = "" // no cache folder: only a path given on the command line can be read
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	env := datasets.Env{CacheDir: cache, Getenv: d.getenv}
	var lines []string
	if zs != nil {
		lines, err = zs.ConvertZeroShot(ctx, env, pos[1], *scale)
	} else {
		lines, err = conv.Convert(ctx, env, pos[1])
	}
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

// zeroShotConverter checks a --scores request: the data set's converter writes zero-shot scores,
// the scale is positive, and the scores named match the release (PickScore's reward from the
// PickScore embeddings, CLIP-H zero-shot from the OpenCLIP ones; a file given by path is
// taken at its word).
func zeroShotConverter(conv datasets.Converter, arg, scores string, scale float64) (datasets.ZeroShotConverter, error) {
	zs, ok := conv.(datasets.ZeroShotConverter)
	if !ok {
		return nil, fmt.Errorf("--scores: %s has no prompt and image embeddings in one space to score", arg)
	}
	if !(scale > 0) || math.IsInf(scale, 0) {
		return nil, fmt.Errorf("--logit-scale %g: want a positive number (CLIP's is at most 100)", scale)
	}
	name := arg
	if r, ok := conv.(catalog.Reader); ok && !strings.HasSuffix(strings.ToLower(arg), ".zip") {
		name = r.CatalogName()
	}
	isPickScore := strings.Contains(strings.ToLower(name), "pickscore")
	switch scores {
	case "pickscore":
		if !isPickScore && !strings.HasSuffix(strings.ToLower(arg), ".zip") {
			return nil, fmt.Errorf("--scores pickscore: %s holds OpenCLIP ViT-H/14 embeddings, not PickScore's: convert pickapic-v1-pickscore (or -filter), or ask for --scores clip-h", name)
		}
	case "clip-h":
		if isPickScore {
			return nil, fmt.Errorf("--scores clip-h: %s holds PickScore's embeddings, whose cosine is PickScore's reward: ask for --scores pickscore", name)
		}
	default:
		return nil, fmt.Errorf("--scores %q: want pickscore or clip-h", scores)
	}
	return zs, nil
}
