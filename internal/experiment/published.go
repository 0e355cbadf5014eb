package experiment

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/pal-harness/pal/datasets"
	"github.com/pal-harness/pal/datasets/catalog"
	"github.com/pal-harness/pal/datasets/embed"
	"github.com/pal-harness/pal/datasets/personainpal"
	"github.com/pal-harness/pal/datasets/pickapic"
	"github.com/pal-harness/pal/datasets/tldr"
)

// The kinds that read data sets published by others (Reddit TL;DR comparisons, the PAL authors'
// Pick-a-Pic, Pick-a-Filter and Persona releases): where their files are, whether they are on
// disk, and how each is built. Their data does not depend on the replicate seed (their splits
// are fixed by the release or by a seed of their own), so one build serves every replicate.

// publishedConfig reports whether cfg is the config of one of these kinds.
func publishedConfig(cfg any) bool {
	switch cfg.(type) {
	case *tldr.Config, *pickapic.PickAPicConfig, *pickapic.PickAFilterConfig, *personainpal.Config:
		return true
	}
	return false
}

// publishedSource says where a published data set is read from: the spec's path when given,
// else the catalog entry's folder (or file) in the cache.
func (r *Runner) publishedSource(cfg any) (path string, entry catalog.Entry, given bool, err error) {
	var name, spec string
	file := false
	switch c := cfg.(type) {
	case *tldr.Config:
		name, spec = tldr.CatalogName, c.Path
	case *pickapic.PickAPicConfig:
		name, spec, file = c.CatalogName(), c.Path, true
	case *pickapic.PickAFilterConfig:
		name, spec, file = c.CatalogName(), c.Path, true
	case *personainpal.Config:
		name, spec = personainpal.CatalogName(c.K), c.Path
	default:
		return "", catalog.Entry{}, false, fmt.Errorf("internal error: %T is not a published data set", cfg)
	}
	entry, ok := catalog.Lookup(name)
	if !ok {
		return "", catalog.Entry{}, false, fmt.Errorf("internal error: no catalog entry %q", name)
	}
	if spec != "" {
		return r.resolve(spec), entry, true, nil
	}
	path = entry.Dir(r.CacheDir)
	if file {
		path = filepath.Join(path, filepath.FromSlash(entry.Files[0].Name))
	}
	return path, entry, false, nil
}

// missingPublished checks, without reading them, that the files of a published data set are on
// disk; if not it returns a *catalog.MissingError naming `pal data fetch NAME`.
func (r *Runner) missingPublished(cfg any) error {
	path, entry, given, err := r.publishedSource(cfg)
	if err != nil {
		return err
	}
	where := "cache: "
	if given {
		where = "path: "
	}
	missing := func(reason string) error {
		return &catalog.MissingError{Name: entry.Name, Looked: []string{where + path}, Reason: reason}
	}
	if !given && r.CacheDir == "" {
		return &catalog.MissingError{Name: entry.Name, Looked: []string{"cache: none configured"}}
	}
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return missing("")
	case err != nil:
		return err
	}
	switch c := cfg.(type) {
	case *tldr.Config:
		if !st.IsDir() {
			return missing("it is a file; want the folder of the comparison files")
		}
		var absent []string
		for _, f := range tldr.ComparisonFiles {
			if _, err := os.Stat(filepath.Join(path, f)); err != nil {
				absent = append(absent, f)
			}
		}
		if len(absent) > 0 {
			return missing(fmt.Sprintf("%d of %d comparison files are absent (%s)", len(absent), len(tldr.ComparisonFiles), strings.Join(absent, ", ")))
		}
	case *pickapic.PickAPicConfig, *pickapic.PickAFilterConfig:
		if st.IsDir() {
			return missing("it is a folder; want the release's .zip file")
		}
	case *personainpal.Config:
		seen := filepath.Join(path, fmt.Sprintf("k-%d_seen", c.K))
		parquet := false
		filepath.WalkDir(seen, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(p, ".parquet") {
				parquet = true
				return filepath.SkipAll
			}
			return nil
		})
		if !parquet {
			return missing(fmt.Sprintf("no parquet files under %s", seen))
		}
	}
	return nil
}

// buildPublished reads or builds a published data set; the notes carry what a report should say
// about it (the text embedder, how the splits were made).
func (r *Runner) buildPublished(ctx context.Context, cfg any) (*datasets.Data, []string, error) {
	if err := r.missingPublished(cfg); err != nil {
		return nil, nil, err
	}
	path, entry, _, err := r.publishedSource(cfg)
	if err != nil {
		return nil, nil, err
	}
	switch c := cfg.(type) {
	case *tldr.Config:
		con, err := tldr.Construct(path, c.Options())
		if err != nil {
			return nil, nil, err
		}
		emb, err := embed.New(c.Config, r.CacheDir)
		if err != nil {
			return nil, nil, fmt.Errorf("reddit-tldr: %w", err)
		}
		d, err := tldr.Build(ctx, con, emb)
		if err != nil {
			return nil, nil, err
		}
		s := con.Stats
		notes := []string{embed.Note(emb), fmt.Sprintf("reddit-tldr: train %d / val %d / test %d pairs, %d unseen users (%d majority); the paper reports %d / %d / %d and %d (%d)",
			s.Pairs[datasets.Train], s.Pairs[datasets.Val], s.Pairs[datasets.Test], s.UnseenUsers, s.UnseenMajority,
			tldr.PaperTrain, tldr.PaperVal, tldr.PaperTest, tldr.PaperUnseenUsers, tldr.PaperUnseenMajority)}
		if s.CutoffTie != "" {
			notes = append(notes, "reddit-tldr: "+s.CutoffTie)
		}
		return d, notes, nil
	case *pickapic.PickAPicConfig:
		return loadArchive(ctx, path, entry.Name, c.Options())
	case *pickapic.PickAFilterConfig:
		return loadArchive(ctx, path, entry.Name, c.Options())
	case *personainpal.Config:
		rel, err := personainpal.Read(path, c.Options())
		if err != nil {
			return nil, nil, err
		}
		emb, err := embed.New(c.Config, r.CacheDir)
		if err != nil {
			return nil, nil, fmt.Errorf("persona-in-pal: %w", err)
		}
		d, err := personainpal.Build(ctx, rel, emb)
		if err != nil {
			return nil, nil, err
		}
		d.Name = entry.Name
		notes := []string{embed.Note(emb)}
		if rel.Stats.ValCarved {
			notes = append(notes, entry.Name+": the release has no validation split; val was drawn from each seen user's train pairs")
		}
		return d, notes, nil
	}
	return nil, nil, fmt.Errorf("internal error: %T is not a published data set", cfg)
}

func loadArchive(ctx context.Context, path, name string, opt pickapic.Options) (*datasets.Data, []string, error) {
	d, st, err := pickapic.Load(ctx, path, opt)
	if err != nil {
		return nil, nil, err
	}
	d.Name = name
	notes := []string{fmt.Sprintf("%s: embeddings as published by the PAL authors; splits from %s; labels %s", name, st.SplitSource, st.Labels)}
	if st.Unlisted > 0 || st.Missing > 0 {
		notes = append(notes, fmt.Sprintf("%s: %d comparisons in no split list were skipped; %d listed ids have no comparison in the archive", name, st.Unlisted, st.Missing))
	}
	return d, notes, nil
}

// ConfigForEntry returns the config of the entry's kind that reads that very entry (the
// release, mixture ratio or K its name stands for), with the kind's other defaults; nil when
// the kind is not one of the published-data kinds.
func ConfigForEntry(e catalog.Entry) any {
	switch e.Kind {
	case "reddit-tldr":
		return tldr.DefaultConfig()
	case "pickapic":
		c := pickapic.DefaultPickAPic()
		c.Release = strings.TrimPrefix(e.Name, "pickapic-")
		return c
	case "pick-a-filter":
		c := pickapic.DefaultPickAFilter()
		for _, b := range pickapic.MixRatios {
			if "pick-a-filter-"+pickapic.BetaText(b) == e.Name {
				c.MixRatio = b
			}
		}
		return c
	case "persona-in-pal":
		c := personainpal.DefaultConfig()
		fmt.Sscanf(e.Name, "persona-in-pal-k%d", &c.K)
		return c
	}
	return nil
}

// BuildEntry builds a catalog entry's data set as `pal data info NAME` shows it: with the
// config that reads that entry (ConfigForEntry) for the published kinds, else the kind's
// default config.
func (r *Runner) BuildEntry(ctx context.Context, e catalog.Entry, seed uint64) (*datasets.Data, []string, error) {
	if cfg := ConfigForEntry(e); cfg != nil {
		return r.Build(ctx, e.Kind, cfg, seed)
	}
	return r.BuildDefault(ctx, e.Kind, seed)
}
