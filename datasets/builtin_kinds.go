package datasets

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
)

// The two dataset kinds of this package: the synthetic generator and bring-your-own folders.

// Build implements Kind: GenerateSynthetic.
func (c *SyntheticConfig) Build(ctx context.Context, env Env, seed uint64) (*Data, error) {
	return GenerateSynthetic(c, seed)
}

// Check implements Kind: a generator reads nothing.
func (c *SyntheticConfig) Check(env Env) error { return nil }

// SeedDependent implements Kind: every replicate draws new data.
func (c *SyntheticConfig) SeedDependent() bool { return true }

// GeneratedFromConfig marks the generator (Generated).
func (c *SyntheticConfig) GeneratedFromConfig() {}

// Build implements Kind: LoadFiles of the folder, relative to the spec.
func (c *FilesConfig) Build(ctx context.Context, env Env, seed uint64) (*Data, error) {
	dir := env.Resolve(c.Path)
	d, err := LoadFiles(dir)
	if err != nil {
		return nil, err
	}
	d.Dir = dir
	return d, nil
}

// Check implements Kind: the folder exists. Its files are checked in full when it is loaded,
// which preflight does before any run starts.
func (c *FilesConfig) Check(env Env) error {
	dir := env.Resolve(c.Path)
	st, err := os.Stat(dir)
	switch {
	case err != nil:
		return fmt.Errorf("data folder %s: %w (path = %q is relative to the spec file)", dir, err, c.Path)
	case !st.IsDir():
		return fmt.Errorf("data folder %s is a file: path must name the folder holding items.npy and pairs.csv", dir)
	}
	return nil
}

// SeedDependent implements Kind: the files are the same for every replicate (their pairs are
// shuffled with a seed derived from the files).
func (c *FilesConfig) SeedDependent() bool { return false }

// ForPath implements PathReader: a folder holding items.npy or pairs.csv.
func (c *FilesConfig) ForPath(path string) (Kind, bool) {
	for _, f := range []string{ItemsFile, PairsFile} {
		if st, err := os.Stat(filepath.Join(path, f)); err == nil && !st.IsDir() {
			return &FilesConfig{Path: path}, true
		}
	}
	return nil, false
}
