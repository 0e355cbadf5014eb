package datasets

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/pal-harness/pal/datasets/embed"
)

// Kind is a dataset kind: the config struct a spec's [dataset] table decodes into (its struct
// tags are the schema) is also what builds the data. Every kind implements Kind, and the
// registry (internal/experiment.Schema) lists each one on one line; nothing else switches on
// kind names.
type Kind interface {
	// Build makes the data set for the run's data seed. It must be deterministic: the same
	// config, seed and input files give the same bits. Caveats a report must show (which
	// features stand in for what, how splits were made) go in Data.Notes.
	Build(ctx context.Context, env Env, seed uint64) (*Data, error)
	// Check reports, without building anything and quickly, whether what the kind reads is
	// on disk: nil, or an error saying what is missing (a *catalog.MissingError naming the
	// fetch command for a catalog data set). A generator has nothing to check.
	Check(env Env) error
	// SeedDependent is false when the data does not depend on the replicate seed (files,
	// published releases): one build then serves every replicate.
	SeedDependent() bool
}

// Generated is implemented by kinds whose data is made from the config and the seed alone (no
// files, no network): the parser has validated everything that can go wrong, so preflight
// does not build them unless a model must look at the data first.
type Generated interface {
	Kind
	GeneratedFromConfig()
}

// Env is what building a data set may need besides its config and seed: where relative paths
// point, the cache folder, the environment, and how to make a text embedder. Every kind
// resolves paths through it, so there is one rule for them.
type Env struct {
	// SpecDir is the folder of the spec file: relative paths in a config are relative to it.
	SpecDir string
	// CacheDir holds downloaded data sets and cached embeddings (catalog.CacheDir); empty: data
	// sets are looked for elsewhere only and embeddings are not cached.
	CacheDir string
	// Getenv reads environment variables such as PAL_PERSONA_DATA; nil means os.Getenv.
	Getenv func(string) string
	// NewEmbedder makes the text embedder of a config; nil means embed.New with CacheDir (the
	// real embedders, cached on disk). Tests set it to count or fake calls.
	NewEmbedder func(embed.Config) (embed.Embedder, error)
}

// Resolve makes a path from a spec absolute-or-relative-to-the-working-folder: an absolute path
// as is, a relative one joined to SpecDir.
func (e Env) Resolve(path string) string {
	if path == "" || filepath.IsAbs(path) || e.SpecDir == "" {
		return path
	}
	return filepath.Join(e.SpecDir, path)
}

// Lookup reads an environment variable.
func (e Env) Lookup(key string) string {
	if e.Getenv != nil {
		return e.Getenv(key)
	}
	return os.Getenv(key)
}

// Embedder returns the text embedder cfg describes, an openai embedder's empty endpoint and
// model taken from the environment (embed.Config.WithEnv).
func (e Env) Embedder(cfg embed.Config) (embed.Embedder, error) {
	cfg = cfg.WithEnv(e.Lookup)
	if e.NewEmbedder != nil {
		return e.NewEmbedder(cfg)
	}
	return embed.New(cfg, e.CacheDir)
}

// CheckEmbedder is the part of a text kind's Check that concerns its embedder: an openai
// embedder with no endpoint or model in the spec or the environment cannot run, and the error
// says which variable to set (`pal reproduce` skips the experiment with it).
func (e Env) CheckEmbedder(cfg embed.Config) error {
	cfg = cfg.WithEnv(e.Lookup)
	return cfg.Ready()
}

// PathReader is implemented by kinds that recognise a file or folder named on the command line
// (`pal data info DIR`, `pal data convert ZIP OUT`): ForPath returns the kind's config that
// reads it, or false when the path is not of the kind's format.
type PathReader interface {
	ForPath(path string) (Kind, bool)
}

// Converter is implemented by kinds whose data can be written out as a bring-your-own folder
// (items.npy, pairs.csv, ...) for other tools: `pal data convert`. Convert writes the folder
// out (leaving it as it was on an error) and returns lines saying what it wrote.
type Converter interface {
	Convert(ctx context.Context, env Env, out string) ([]string, error)
}

// ZeroShotConverter is implemented by converters of data whose prompts and items are embedded in
// one space by a CLIP-style model (the Pick-a-Pic releases): ConvertZeroShot is Convert that
// also writes scores.csv, the margin scale · (cos(prompt, left) − cos(prompt, right)) of every
// pair, which `kind = "imported"` with `per = "pair"` reads (`pal data convert --scores`).
type ZeroShotConverter interface {
	Converter
	ConvertZeroShot(ctx context.Context, env Env, out string, scale float64) ([]string, error)
}

// EmbedAndBuild is the build of a kind whose items are texts: read the inputs, make the
// configured text embedder, build the Data with it, and note which features the items are
// (the embedder's note comes first among the Data's notes). kind names the kind in errors.
func EmbedAndBuild[T any](ctx context.Context, env Env, cfg embed.Config, kind string,
	read func() (T, error), build func(context.Context, T, embed.Embedder) (*Data, error)) (*Data, T, error) {
	in, err := read()
	if err != nil {
		return nil, in, err
	}
	emb, err := env.Embedder(cfg)
	if err != nil {
		return nil, in, fmt.Errorf("%s: %w", kind, err)
	}
	d, err := build(ctx, in, emb)
	if err != nil {
		return nil, in, err
	}
	d.Notes = append(d.Notes, embed.Note(emb))
	return d, in, nil
}
