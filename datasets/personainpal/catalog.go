package personainpal

import (
	"fmt"

	"github.com/pal-harness/pal/datasets/catalog"
)

const personaInPALAPI = "https://huggingface.co/api/datasets/kitkatdafu/persona_in_pal/parquet/"

// catalogEntries lists the PAL authors' own Persona release, one entry per number of groups K.
func catalogEntries() []catalog.Entry {
	var out []catalog.Entry
	for k := 2; k <= 6; k++ {
		var files []catalog.File
		for _, config := range []string{fmt.Sprintf("k-%d_seen", k), fmt.Sprintf("k-%d_unseen", k)} {
			for _, split := range []string{"train", "test"} {
				name := config + "/" + split + "/0.parquet"
				files = append(files, catalog.File{Name: name, URL: personaInPALAPI + name})
			}
		}
		out = append(out, catalog.Entry{
			Name:        CatalogName(k),
			Description: fmt.Sprintf("The PAL authors' Persona data set with K = %d groups, seen and unseen users (parquet)", k),
			Kind:        "persona-in-pal",
			License:     "not stated where it could be checked",
			Source:      "huggingface.co/datasets/kitkatdafu/persona_in_pal, folders k-N_seen and k-N_unseen; PAL, Chen et al., ICLR 2025",
			Notes: "Unverified: the release's columns, split names and shard counts could not be read here. The files are the first " +
				"parquet shard of the train and test splits through the Hub's parquet API; a large split has more shards " +
				"(1/, 2/, ...: fetch them into the same folders) and a split named otherwise (validation, partial-train) needs " +
				"its own download. The loader reads every parquet file under k-N_seen/ and k-N_unseen/, in either Hub layout, " +
				"and the spec can name the columns (user_column, left_column, ...). Not pinned by checksum.",
			Files: files,
		})
	}
	return out
}

// CatalogEntries implements catalog.Published.
func (c *Config) CatalogEntries() []catalog.Entry { return catalogEntries() }

// ForEntry implements catalog.Published: the release with the K the entry's name says.
func (c *Config) ForEntry(name string) (any, bool) {
	for k := 2; k <= 6; k++ {
		if name == CatalogName(k) {
			cfg := DefaultConfig()
			cfg.K = k
			return cfg, true
		}
	}
	return nil, false
}

// CatalogName implements catalog.Reader: the release of the config's K.
func (c *Config) CatalogName() string { return CatalogName(c.K) }
