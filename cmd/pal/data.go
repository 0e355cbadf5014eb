package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"text/tabwriter"

	"github.com/pal-harness/pal/datasets"
	"github.com/pal-harness/pal/datasets/catalog"
	"github.com/pal-harness/pal/datasets/download"
	"github.com/pal-harness/pal/internal/experiment"
)

// dataCmd is `pal data`. Its fields are what the commands depend on, so that tests can give
// them a catalog of local (httptest) sources and an environment of their own.
type dataCmd struct {
	entries        func() catalog.Catalog
	getenv         func(string) string
	client         *http.Client // nil: the download package's default
	stdout, stderr io.Writer
	terminal       bool // draw the download progress line
}

func cmdData(args []string, stdout, stderr io.Writer) int {
	d := &dataCmd{entries: experiment.Catalog, getenv: os.Getenv, stdout: stdout, stderr: stderr, terminal: isTerminal(stderr)}
	return d.run(args)
}

const dataUsage = `Usage: pal data COMMAND [flags]

The named data sets pal can download and build (the catalog), and what is on disk.

Commands:
  pal data list [--cache DIR]                 every data set: kind, files present/total,
                                              size on disk vs expected, licence
  pal data fetch NAME [--cache DIR] [-j N] [--mirror URL_OR_DIR]
                                              download NAME into the cache, verifying every
                                              pinned checksum; rerun to resume; --mirror (or
                                              $PAL_MIRROR) reads <mirror>/NAME/<file> instead
  pal data info NAME|DIR [--cache DIR]        items, users, pairs per split and groups of a
                                              catalog data set (built with default knobs) or a
                                              bring-your-own folder (items.npy + pairs.csv)
  pal data convert NAME|ZIP OUT [--cache DIR] write a Pick-a-Pic / Pick-a-Filter release as a
                                              bring-your-own folder (items, prompts, pairs)

The cache folder is --cache DIR, else $PAL_CACHE, else the user cache folder + /pal
(~/.cache/pal on Linux); each data set lives in a folder of its name there.
Exit codes: 0 ok, 1 a download failed (rerun to resume), 2 bad arguments or data, 130 interrupted.
`

func (d *dataCmd) run(args []string) int {
	if len(args) == 0 {
		fmt.Fprint(d.stderr, dataUsage)
		return exitBadInput
	}
	switch args[0] {
	case "list":
		return d.list(args[1:])
	case "fetch":
		return d.fetch(args[1:])
	case "info":
		return d.info(args[1:])
	case "convert":
		return d.convert(args[1:])
	case "-h", "-help", "--help", "help":
		fmt.Fprint(d.stdout, dataUsage)
		return exitOK
	}
	fmt.Fprintf(d.stderr, "pal data: unknown command %q\n\n%s", args[0], dataUsage)
	return exitBadInput
}

func (d *dataCmd) cacheFlag(fs interface {
	String(name, value, usage string) *string
}) *string {
	return fs.String("cache", "", "cache folder (default $PAL_CACHE, else the user cache folder + /pal)")
}

func (d *dataCmd) lookup(cmd, name string) (catalog.Entry, bool) {
	var names []string
	for _, e := range d.entries() {
		if e.Name == name {
			return e, true
		}
		names = append(names, e.Name)
	}
	fmt.Fprintf(d.stderr, "%s: no data set named %q; there are: %s (see pal data list)\n", cmd, name, strings.Join(names, ", "))
	return catalog.Entry{}, false
}

func (d *dataCmd) list(args []string) int {
	fs := newFlagSet("pal data list", "pal data list [--cache DIR]\n\n"+
		"Lists every data set of the catalog: its name, the spec kind that reads it, how many of its\n"+
		"files are in the cache (complete, verified downloads only), bytes on disk against the\n"+
		"expected size (where the catalog pins sizes), and its licence. pal data info NAME\n"+
		"describes one data set.", d.stderr)
	cacheFlag := d.cacheFlag(fs)
	_, code, ok := parseArgs(fs, args, 0, "")
	if !ok {
		return code
	}
	cache, err := catalog.CacheDir(*cacheFlag, d.getenv)
	if err != nil {
		fmt.Fprintf(d.stderr, "pal data list: %v\n", err)
		return exitBadInput
	}
	fmt.Fprintf(d.stdout, "cache: %s\n\n", cache)
	tw := tabwriter.NewWriter(d.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tKIND\tFILES\tON DISK / EXPECTED\tLICENSE")
	var notes []string
	for _, e := range d.entries() {
		st, err := e.Status(cache)
		if err != nil {
			fmt.Fprintf(d.stderr, "pal data list: %s: %v\n", e.Name, err)
			return exitBadInput
		}
		size := download.FormatBytes(st.OnDisk) + " / "
		switch {
		case st.Unsized == len(st.Files):
			size += "unknown (not pinned)"
		case st.Unsized > 0:
			size += fmt.Sprintf("%s + %d unpinned", download.FormatBytes(st.Expected), st.Unsized)
		default:
			size += download.FormatBytes(st.Expected)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d/%d\t%s\t%s\n", e.Name, e.Kind, st.Present, len(st.Files), size, e.License)
		if st.Partial > 0 {
			notes = append(notes, fmt.Sprintf("%s: %s of interrupted downloads; `%s` resumes them", e.Name, download.FormatBytes(st.Partial), e.FetchCommand()))
		}
	}
	tw.Flush()
	for _, e := range d.entries() {
		if e.EnvVar != "" && d.getenv(e.EnvVar) != "" {
			notes = append(notes, fmt.Sprintf("$%s=%s: the %s kind reads %s there before looking in the cache", e.EnvVar, d.getenv(e.EnvVar), e.Kind, e.Name))
		}
	}
	if len(notes) > 0 {
		fmt.Fprintln(d.stdout)
		for _, n := range notes {
			fmt.Fprintln(d.stdout, n)
		}
	}
	return exitOK
}

// MirrorEnv names the environment variable that sets pal data fetch's --mirror.
const MirrorEnv = "PAL_MIRROR"

func (d *dataCmd) fetch(args []string) int {
	fs := newFlagSet("pal data fetch", "pal data fetch NAME [--cache DIR] [-j N] [--mirror URL_OR_DIR]\n\n"+
		"Downloads the files of data set NAME (see pal data list) into DIR/NAME, N at a time.\n"+
		"Each file is written as FILE.part, verified against its pinned size and sha256 and only\n"+
		"then renamed, so a file under its own name is always whole. Files already complete are\n"+
		"skipped; an interrupted download resumes where it stopped when the command is rerun.\n\n"+
		"Offline or behind a firewall: a host that cannot be reached fails at once with one line.\n"+
		"Set HTTPS_PROXY (and HTTP_PROXY) to use a proxy, or fetch from your own copy with\n"+
		"--mirror (or $"+MirrorEnv+"; the flag wins): an http(s) base URL or a folder that holds\n"+
		"each file at <mirror>/NAME/<file>, the layout of a pal cache folder, so a copy of another\n"+
		"machine's cache (rsync -a ~/.cache/pal/ host:/srv/pal/) is a mirror. Files from a mirror\n"+
		"are verified against the same pinned checksums.", d.stderr)
	cacheFlag := d.cacheFlag(fs)
	jobs := fs.Int("j", 4, "files downloaded at once")
	mirrorFlag := fs.String("mirror", "", "fetch from this copy instead of the source: an http(s) base URL or a folder holding <mirror>/NAME/<file> (default $"+MirrorEnv+")")
	pos, code, ok := parseArgs(fs, args, 1, "want exactly one data set name, e.g. pal data fetch anthropic-persona (pal data list shows them)")
	if !ok {
		return code
	}
	if *jobs < 1 {
		fmt.Fprintf(d.stderr, "pal data fetch: -j %d: want at least 1\n", *jobs)
		return exitBadInput
	}
	e, ok := d.lookup("pal data fetch", pos[0])
	if !ok {
		return exitBadInput
	}
	cache, err := catalog.CacheDir(*cacheFlag, d.getenv)
	if err != nil {
		fmt.Fprintf(d.stderr, "pal data fetch: %v\n", err)
		return exitBadInput
	}
	st, err := e.Status(cache)
	if err != nil {
		fmt.Fprintf(d.stderr, "pal data fetch: %v\n", err)
		return exitBadInput
	}
	mirror, mirrorFrom := *mirrorFlag, "--mirror"
	if mirror == "" {
		mirror, mirrorFrom = d.getenv(MirrorEnv), "$"+MirrorEnv
	}
	rerun := e.FetchCommand()
	if *cacheFlag != "" {
		rerun += " --cache " + *cacheFlag
	}
	if *mirrorFlag != "" {
		rerun += " --mirror " + *mirrorFlag
	}
	opts := download.Options{Client: d.client, Rerun: rerun,
		OfflineHint: "or fetch from your own copy of the data with --mirror URL_OR_DIR or $" + MirrorEnv + " (pal data fetch -h)"}
	if mirror != "" {
		if err := download.CheckMirror(mirror, e.Name); err != nil {
			fmt.Fprintf(d.stderr, "pal data fetch: %s %s: %v\n", mirrorFrom, mirror, err)
			return exitBadInput
		}
		opts.Mirror = mirror
		opts.OfflineHint = "or check the mirror (" + mirrorFrom + " " + mirror + ")"
	}
	reqs := make([]download.Request, len(e.Files))
	for i, f := range e.Files {
		url := f.URL
		if mirror != "" {
			if url, err = download.MirrorURL(mirror, e.Name, f.Name); err != nil {
				fmt.Fprintf(d.stderr, "pal data fetch: %s: %v\n", mirrorFrom, err)
				return exitBadInput
			}
		}
		reqs[i] = download.Request{URL: url, Dest: filepath.Join(st.Dir, filepath.FromSlash(f.Name)), SHA256: f.SHA256, Size: f.Size}
	}
	if mirror != "" {
		fmt.Fprintf(d.stderr, "pal data fetch: reading %s from the mirror %s (%s), as %s\n", e.Name, mirror, mirrorFrom, reqs[0].URL)
	}
	fmt.Fprintf(d.stderr, "pal data fetch: %s (%s, %s) into %s: %d files, %s\n",
		e.Name, e.License, e.Source, st.Dir, len(e.Files), download.FormatBytes(st.Expected))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// On a terminal one line redrawn; in a log a line as files finish (at most every few
	// seconds) and every half minute while none does, then a summary.
	meter := download.NewMeter(d.stderr, d.terminal, e.Name, st.Expected, len(reqs))
	sum, err := download.FetchAll(ctx, reqs, *jobs, opts, meter)
	meter.Finish()
	fmt.Fprintf(d.stdout, "%s: %d files fetched (%s), %d already present, %d failed; in %s\n",
		e.Name, sum.Fetched, download.FormatBytes(sum.Bytes), sum.Present, sum.Failed, st.Dir)
	switch {
	case ctx.Err() != nil:
		fmt.Fprintf(d.stderr, "pal data fetch: interrupted; run `%s` again to resume\n", rerun)
		return exitInterrupted
	case err != nil:
		for _, e := range splitJoined(err) {
			fmt.Fprintf(d.stderr, "pal data fetch: %v\n", e)
		}
		fmt.Fprintf(d.stderr, "pal data fetch: %d of %d files failed; run `%s` again to retry them (complete files are kept)\n", sum.Failed, len(reqs), rerun)
		return exitRunsFailed
	}
	if e.Notes != "" {
		fmt.Fprintf(d.stdout, "note: %s\n", e.Notes)
	}
	return exitOK
}

// splitJoined undoes errors.Join so that each error gets a line.
func splitJoined(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func (d *dataCmd) info(args []string) int {
	fs := newFlagSet("pal data info", "pal data info NAME|DIR [--cache DIR] [--seed N]\n\n"+
		"Prints the counts of a data set: items and their dimension, seen and unseen users, pairs\n"+
		"per split, true groups, the fingerprint. NAME is a catalog data set (see pal data list),\n"+
		"built as a spec would with the default knobs of its kind and the given seed; DIR is a\n"+
		"bring-your-own folder (items.npy + pairs.csv [+ users.csv]) or a folder of persona\n"+
		"statement files (*.jsonl).", d.stderr)
	cacheFlag := d.cacheFlag(fs)
	seed := fs.Uint64("seed", 1, "replicate seed of the build (as in a spec's seeds)")
	pos, code, ok := parseArgs(fs, args, 1, "want one data set name or folder, e.g. pal data info anthropic-persona")
	if !ok {
		return code
	}
	cache, err := catalog.CacheDir(*cacheFlag, d.getenv)
	if err != nil {
		fmt.Fprintf(d.stderr, "pal data info: %v\n", err)
		return exitBadInput
	}
	arg := pos[0]
	runner := &experiment.Runner{Env: datasets.Env{CacheDir: cache, Getenv: d.getenv}}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var (
		data *datasets.Data
		head []string
	)
	if e, ok := d.find(arg); ok {
		st, err := e.Status(cache)
		if err != nil {
			fmt.Fprintf(d.stderr, "pal data info: %v\n", err)
			return exitBadInput
		}
		head = append(head, fmt.Sprintf("%s: %s", e.Name, e.Description),
			fmt.Sprintf("licence %s; source %s", e.License, e.Source),
			fmt.Sprintf("cache: %s (%d/%d files)", st.Dir, st.Present, len(st.Files)))
		if e.EnvVar != "" && d.getenv(e.EnvVar) != "" {
			head = append(head, fmt.Sprintf("read from $%s=%s when it holds the data, else the cache", e.EnvVar, d.getenv(e.EnvVar)))
		}
		head = append(head, fmt.Sprintf("built as kind %q with the default knobs for this data set (pal schema lists them), seed %d", e.Kind, *seed))
		data, err = runner.BuildEntry(ctx, e, *seed)
		if err != nil {
			fmt.Fprintf(d.stderr, "pal data info: %s: %v\n", e.Name, err)
			return exitBadInput
		}
	} else if kind, cfg, ok := experiment.ForPath(arg); ok {
		head = append(head, fmt.Sprintf("%s, read as kind %q with its default knobs, seed %d", arg, kind, *seed))
		if data, err = runner.Build(ctx, kind, cfg, *seed); err != nil {
			fmt.Fprintf(d.stderr, "pal data info: %v\n", err)
			return exitBadInput
		}
	} else {
		var names []string
		for _, e := range d.entries() {
			names = append(names, e.Name)
		}
		fmt.Fprintf(d.stderr, "pal data info: %q is neither a data set name (%s) nor a folder or file of a format pal reads (a bring-your-own folder with %s + %s, a folder of persona statement files *.jsonl, a release .zip)\n", arg, strings.Join(names, ", "), datasets.ItemsFile, datasets.PairsFile)
		return exitBadInput
	}
	for _, h := range head {
		fmt.Fprintln(d.stdout, h)
	}
	printDataInfo(d.stdout, data)
	if problems := data.Problems(); len(problems) > 0 {
		fmt.Fprintln(d.stdout)
		for _, p := range problems {
			fmt.Fprintf(d.stdout, "warning: %s\n", p)
		}
	}
	return exitOK
}

func (d *dataCmd) find(name string) (catalog.Entry, bool) {
	for _, e := range d.entries() {
		if e.Name == name {
			return e, true
		}
	}
	return catalog.Entry{}, false
}

// printDataInfo writes the counts of a data set.
func printDataInfo(w io.Writer, d *datasets.Data) {
	notes := d.Notes
	seen, unseen := d.SeenUsers(), d.UnseenUsers()
	fmt.Fprintf(w, "\nname         %s\n", d.Name)
	fmt.Fprintf(w, "fingerprint  %s\n", d.Fingerprint)
	fmt.Fprintf(w, "items        %d (dimension %d)\n", d.NumItems(), d.Dim)
	if d.NumPrompts() > 0 {
		fmt.Fprintf(w, "prompts      %d (dimension %d)\n", d.NumPrompts(), d.PromptDim)
	}
	fmt.Fprintf(w, "users        %d seen, %d unseen\n", len(seen), len(unseen))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "\npairs per split:")
	fmt.Fprintln(tw, "  split\tpairs\tusers\tBayes-optimal acc.\t")
	total := 0
	for _, sp := range datasets.AllSplits {
		pairs, ok := d.Splits[sp]
		if !ok {
			continue
		}
		users := map[int]bool{}
		for _, p := range pairs {
			users[p.User] = true
		}
		bayes := ""
		if b, ok := d.BayesAccuracy[sp]; ok {
			bayes = fmt.Sprintf("%.1f%%", 100*b)
		}
		fmt.Fprintf(tw, "  %s\t%d\t%d\t%s\t\n", sp, len(pairs), len(users), bayes)
		total += len(pairs)
	}
	fmt.Fprintf(tw, "  total\t%d\t%d\t\t\n", total, len(d.Users))
	tw.Flush()
	if d.NumGroups > 0 {
		count := make([][2]int, d.NumGroups)
		ungrouped := 0
		for _, u := range d.Users {
			if u.Group < 0 || u.Group >= d.NumGroups {
				ungrouped++
				continue
			}
			if u.Seen {
				count[u.Group][0]++
			} else {
				count[u.Group][1]++
			}
		}
		fmt.Fprintf(w, "\ngroups (ground truth): %d\n", d.NumGroups)
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  group\tseen\tunseen\tname")
		for g := range d.NumGroups {
			name := ""
			if g < len(d.GroupNames) {
				name = d.GroupNames[g]
			}
			fmt.Fprintf(tw, "  %d\t%d\t%d\t%s\n", g, count[g][0], count[g][1], name)
		}
		tw.Flush()
		if ungrouped > 0 {
			fmt.Fprintf(w, "  %d users have no group\n", ungrouped)
		}
	} else {
		fmt.Fprintln(w, "\ngroups: unknown (no ground truth)")
	}
	sort.Strings(notes)
	for _, n := range notes {
		fmt.Fprintf(w, "\nnote: %s\n", n)
	}
}
