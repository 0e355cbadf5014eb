package pickapic

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Archive knobs shared by both kinds. Struct tags are the spec schema (see datasets/config.go).
type archiveConfig struct {
	Path         string  `toml:"path" help:"the release's .zip; empty = the file pal data fetch downloads for this data set; relative to the spec file"`
	SplitLists   string  `toml:"split_lists" help:"folder of torch-saved id lists (train_ranking_ids.pt, val_..., test_...) to use instead of lists in the archive; empty = look in the archive"`
	ValFraction  float64 `toml:"val_fraction" help:"only when no split lists exist: fraction of each user's pairs in val" min:"0" lt:"1"`
	TestFraction float64 `toml:"test_fraction" help:"only when no split lists exist: fraction of each user's pairs in test" min:"0" lt:"1"`
}

func defaultArchive() archiveConfig { return archiveConfig{ValFraction: 0.1, TestFraction: 0.1} }

func (c *archiveConfig) validate() error {
	if c.ValFraction+c.TestFraction >= 1 {
		return fmt.Errorf("val_fraction + test_fraction = %g leaves no training pairs: keep the sum below 1", c.ValFraction+c.TestFraction)
	}
	return nil
}

// Options returns the reader options of the config.
func (c *archiveConfig) Options() Options {
	return Options{SplitLists: c.SplitLists, ValFraction: c.ValFraction, TestFraction: c.TestFraction}
}

// PickAPicConfig reads the authors' Pick-a-Pic embeddings (kind = "pickapic").
type PickAPicConfig struct {
	Release string `toml:"release" help:"which archive of ramya-ml/pickapic-embeds: v1 and v2 are OpenCLIP ViT-H/14 on Pick-a-Pic v1/v2; the filter variants are the authors' filtered subsets; pickscore-* are PickScore embeddings" enum:"v1|v1-filter|v1-filter-noties|v2|v1-pickscore|v1-pickscore-filter"`
	archiveConfig
}

// DefaultPickAPic is the documented default: Pick-a-Pic v1, OpenCLIP ViT-H/14.
func DefaultPickAPic() *PickAPicConfig {
	return &PickAPicConfig{Release: "v1", archiveConfig: defaultArchive()}
}

// Validate checks the constraints between fields.
func (c *PickAPicConfig) Validate() error { return c.validate() }

// CatalogName is the `pal data fetch` name of the archive the config reads by default.
func (c *PickAPicConfig) CatalogName() string { return "pickapic-" + c.Release }

// PickAFilterConfig reads the authors' Pick-a-Filter embeddings (kind = "pick-a-filter").
type PickAFilterConfig struct {
	MixRatio float64 `toml:"mix_ratio" help:"beta, the fraction of pairs given a colour filter (0 = plain Pick-a-Pic v1, 1 = every pair); selects paf_<beta>_mix_ratio.zip" min:"0" max:"1"`
	archiveConfig
}

// MixRatios are the values of beta the catalog lists (files paf_<beta>_mix_ratio.zip).
var MixRatios = []float64{0, 0.2, 0.4, 0.6, 0.8, 1}

// DefaultPickAFilter is the documented default: beta = 0.4, the archive the dataset card
// names.
func DefaultPickAFilter() *PickAFilterConfig {
	return &PickAFilterConfig{MixRatio: 0.4, archiveConfig: defaultArchive()}
}

// Validate checks that mix_ratio is one the release has (unless path names a file).
func (c *PickAFilterConfig) Validate() error {
	if err := c.validate(); err != nil {
		return err
	}
	if c.Path != "" {
		return nil
	}
	for _, b := range MixRatios {
		if math.Abs(b-c.MixRatio) < 1e-9 {
			return nil
		}
	}
	return fmt.Errorf("mix_ratio = %g has no archive in the catalog (have 0, 0.2, 0.4, 0.6, 0.8, 1): pick one of those or give path", c.MixRatio)
}

// BetaText formats beta as the release's file names do: 0.0, 0.4, 1.0.
func BetaText(beta float64) string {
	s := strconv.FormatFloat(beta, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// CatalogName is the `pal data fetch` name of the archive the config reads by default.
func (c *PickAFilterConfig) CatalogName() string { return "pick-a-filter-" + BetaText(c.MixRatio) }
