package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/pal-harness/pal/datasets"
	"github.com/pal-harness/pal/datasets/catalog"
	"github.com/pal-harness/pal/datasets/download"
	"github.com/pal-harness/pal/datasets/embed"
	"github.com/pal-harness/pal/internal/experiment"
	"github.com/pal-harness/pal/paper"
	"github.com/pal-harness/pal/sweeps"
)

// experimentData is what `pal reproduce --list` says about one embedded experiment's data.
type experimentData struct {
	Name    string
	Runs    int
	Data    []string // catalog data sets it reads, or "made by pal"
	Ready   bool     // every dataset config's Check passed: pal reproduce runs it
	OnDisk  int64    // bytes of the catalog data sets found on disk (0: none, or generated)
	Present int      // catalog data sets found on disk
	GetIt   []string // commands (or settings) that get what is missing, in order
}

// describeExperiments checks, without building anything, what every embedded experiment needs:
// the catalog data sets its dataset configs read, whether each is on disk and how large it is
// there, and for what is missing the command that gets it (the fetch command of a
// *catalog.MissingError, or the text of another problem, such as an embedder with no endpoint).
func describeExperiments(env datasets.Env, cat catalog.Catalog) ([]experimentData, error) {
	var out []experimentData
	for _, ps := range paper.Specs() {
		spec, err := sweeps.ParseBytes(ps.Path, ps.Source, experiment.Schema())
		if err != nil {
			return nil, err // an embedded spec that does not parse is a bug of ours
		}
		ed := experimentData{Name: ps.Name, Runs: len(spec.Runs), Ready: true}
		seen := map[string]bool{}
		var settings []string // after the fetch commands: data first, then the server
		for _, run := range spec.Runs {
			key := fmt.Sprintf("%s|%+v", run.DatasetKind, run.Dataset)
			if seen[key] {
				continue
			}
			seen[key] = true
			kind, ok := run.Dataset.(datasets.Kind)
			if !ok {
				return nil, fmt.Errorf("internal error: dataset kind %q (%T) does not implement datasets.Kind", run.DatasetKind, run.Dataset)
			}
			if _, gen := run.Dataset.(datasets.Generated); gen {
				addOnce(&ed.Data, "made by pal ("+run.DatasetKind+")")
				continue
			}
			if r, ok := run.Dataset.(catalog.Reader); ok {
				name := r.CatalogName()
				if !slices.Contains(ed.Data, name) {
					ed.Data = append(ed.Data, name)
					if size, found := sizeOnDisk(cat, name, env); found {
						ed.OnDisk += size
						ed.Present++
					}
				}
			} else {
				addOnce(&ed.Data, run.DatasetKind)
			}
			// A text kind's check stops at missing files; its embedder may need setting up too.
			if e, ok := run.Dataset.(interface{ EmbedderConfig() embed.Config }); ok {
				var unset *embed.NotConfiguredError
				if errors.As(env.CheckEmbedder(e.EmbedderConfig()), &unset) {
					ed.Ready = false
					addOnce(&settings, unset.Setting()+" (your embeddings server)")
				}
			}
			if err := kind.Check(env); err != nil {
				ed.Ready = false
				var missing *catalog.MissingError
				var unset *embed.NotConfiguredError
				switch {
				case errors.As(err, &missing):
					addOnce(&ed.GetIt, "pal data fetch "+missing.Name)
				case errors.As(err, &unset): // already in settings
				default:
					addOnce(&ed.GetIt, err.Error())
				}
			}
		}
		for _, s := range settings {
			addOnce(&ed.GetIt, s)
		}
		out = append(out, ed)
	}
	return out, nil
}

// addOnce appends s to list unless it is there already.
func addOnce(list *[]string, s string) {
	if !slices.Contains(*list, s) {
		*list = append(*list, s)
	}
}

// sizeOnDisk is the size of the catalog data set name where the kinds read it from: its folder
// in the cache (the files `pal data fetch` put there), else the folder its environment variable
// names (PAL_PERSONA_DATA). found is false when neither holds anything.
func sizeOnDisk(cat catalog.Catalog, name string, env datasets.Env) (size int64, found bool) {
	e, ok := cat.Lookup(name)
	if !ok {
		return 0, false
	}
	if env.CacheDir != "" {
		if st, err := e.Status(env.CacheDir); err == nil && st.Present > 0 {
			return st.OnDisk, true
		}
	}
	if e.EnvVar != "" {
		if dir := env.Lookup(e.EnvVar); dir != "" {
			if size, err := folderSize(dir); err == nil {
				return size, true
			}
		}
	}
	return 0, false
}

// folderSize is the total size of the regular files under dir.
func folderSize(dir string) (int64, error) {
	if _, err := os.Stat(dir); err != nil {
		return 0, err
	}
	var total int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			info, err := d.Info()
			if err != nil {
				return err
			}
			total += info.Size()
		}
		return nil
	})
	return total, err
}

// listExperiments is `pal reproduce --list`: one line per embedded experiment with its runs, its
// data, whether `pal reproduce` would run it now, the size of its data on disk, and the
// command(s) that get what it is missing.
func listExperiments(w io.Writer, env datasets.Env) int {
	eds, err := describeExperiments(env, experiment.Catalog())
	if err != nil {
		fmt.Fprintf(w, "pal reproduce: %v\n", err)
		return exitBadInput
	}
	cache := env.CacheDir
	if cache == "" {
		cache = "none"
	}
	fmt.Fprintf(w, "cache: %s\n\n", cache)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "EXPERIMENT\tRUNS\tDATA\tSTATUS\tON DISK\tGET IT")
	for _, ed := range eds {
		status, size, get := "ready", "-", "-"
		if !ed.Ready {
			status = "missing"
		}
		nCatalog := 0
		for _, d := range ed.Data {
			if !strings.HasPrefix(d, "made by pal") {
				nCatalog++
			}
		}
		if nCatalog > 0 {
			size = download.FormatBytes(ed.OnDisk)
			if ed.Present < nCatalog {
				size += fmt.Sprintf(" (%d of %d data sets)", ed.Present, nCatalog)
			}
		}
		if len(ed.GetIt) > 0 {
			get = strings.Join(ed.GetIt, " && ")
		}
		data := strings.Join(ed.Data, ", ")
		if n := len(ed.Data); n > 2 {
			data = fmt.Sprintf("%s ... %s (%d)", ed.Data[0], ed.Data[n-1], n)
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\n", ed.Name, ed.Runs, data, status, size, get)
	}
	tw.Flush()
	fmt.Fprintln(w, "\nready: `pal reproduce` runs it; missing: it is skipped until the GET IT command has been run.")
	return exitOK
}

// firstSeeds keeps the runs of the spec's first n seeds (all when n <= 0 or the spec has no
// more): `pal reproduce --seeds N`. The runs kept are the full spec's, with the same ids, so a
// later full run adds the other seeds' runs beside them.
func firstSeeds(spec *sweeps.Spec, n int) {
	if n <= 0 || n >= len(spec.Seeds) {
		return
	}
	keep := map[uint64]bool{}
	for _, s := range spec.Seeds[:n] {
		keep[s] = true
	}
	spec.Seeds = spec.Seeds[:n]
	var runs []*sweeps.Run
	for _, r := range spec.Runs {
		if keep[r.Seed] {
			runs = append(runs, r)
		}
	}
	spec.Runs = runs
}
