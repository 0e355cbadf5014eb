package experiment

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"github.com/pal-harness/pal/baselines"
	"github.com/pal-harness/pal/datasets"
	"github.com/pal-harness/pal/datasets/catalog"
	"github.com/pal-harness/pal/datasets/persona"
	"github.com/pal-harness/pal/datasets/personainpal"
	"github.com/pal-harness/pal/datasets/pickapic"
	"github.com/pal-harness/pal/datasets/tldr"
	"github.com/pal-harness/pal/models"
	"github.com/pal-harness/pal/reports"
	"github.com/pal-harness/pal/sweeps"
	"github.com/pal-harness/pal/sweeps/slurm"
)

// Schema lists every kind a spec may name: the one registry. Each constructor returns the
// kind's config struct with its defaults; the struct's tags are the spec schema, and the struct
// implements datasets.Kind or models.Kind (TestRegisteredKindsImplementTheirInterface).
func Schema() sweeps.Schema {
	return sweeps.Schema{
		Datasets: map[string]func() any{
			"synthetic":      func() any { return datasets.DefaultSynthetic() },
			"files":          func() any { return datasets.DefaultFiles() },
			"persona":        func() any { return persona.DefaultConfig() },
			"reddit-tldr":    func() any { return tldr.DefaultConfig() },
			"pickapic":       func() any { return pickapic.DefaultPickAPic() },
			"pick-a-filter":  func() any { return pickapic.DefaultPickAFilter() },
			"persona-in-pal": func() any { return personainpal.DefaultConfig() },
		},
		Models: map[string]func() any{
			"pal-a":     func() any { return models.DefaultPALA() },
			"pal-b":     func() any { return models.DefaultPALB() },
			"btl":       func() any { return baselines.DefaultBTL() },
			"imported":  func() any { return baselines.DefaultImported() },
			"zero-shot": func() any { return baselines.DefaultZeroShot() },
			// The peer methods (README "Peer methods").
			"mix-btl":    func() any { return baselines.DefaultMixBTL() },
			"lore":       func() any { return baselines.DefaultLoRe() },
			"individual": func() any { return baselines.DefaultIndividual() },
			"user-id":    func() any { return baselines.DefaultUserID() },
			"dpl":        func() any { return baselines.DefaultDPL() },
			"vpl":        func() any { return baselines.DefaultVPL() },
		},
		Train:   func() any { return models.DefaultTrain() },
		FewShot: func() any { return models.DefaultFewShot() },
		Report:  func() any { return reports.DefaultSpecConfig() },
		Slurm:   func() any { return slurm.Default() },
	}
}

// Catalog is every named data set `pal data` knows: the entries of the dataset kinds that
// read published data (catalog.Published).
func Catalog() catalog.Catalog {
	var all []catalog.Entry
	for _, kind := range sortedKinds(Schema().Datasets) {
		if p, ok := Schema().Datasets[kind]().(catalog.Published); ok {
			all = append(all, p.CatalogEntries()...)
		}
	}
	return catalog.New(all)
}

// ConfigForEntry returns the dataset kind and config that read catalog entry e as
// `pal data info NAME` shows it: the release, mixture ratio or K its name stands for, the
// kind's other settings at their defaults.
func ConfigForEntry(e catalog.Entry) (kind string, cfg datasets.Kind, err error) {
	ctor, ok := Schema().Datasets[e.Kind]
	if !ok {
		return "", nil, fmt.Errorf("catalog entry %s names dataset kind %q, which this pal does not have", e.Name, e.Kind)
	}
	if p, ok := ctor().(catalog.Published); ok {
		if c, ok := p.ForEntry(e.Name); ok {
			return e.Kind, c.(datasets.Kind), nil
		}
	}
	return e.Kind, ctor().(datasets.Kind), nil
}

// DecodeModelConfig is the models.ConfigDecoder of this registry: a model file's kind and
// config fields back into the kind's config struct, checked as a spec's would be.
func DecodeModelConfig(kind string, fields map[string]any) (any, error) {
	ctor, ok := Schema().Models[kind]
	if !ok {
		return nil, fmt.Errorf("model kind %q is not one this pal knows (it knows %s)", kind, strings.Join(sortedKinds(Schema().Models), ", "))
	}
	cfg := ctor()
	if err := sweeps.SetConfigFields(cfg, fields); err != nil {
		return nil, fmt.Errorf("model kind %s: %w", kind, err)
	}
	return cfg, nil
}

func sortedKinds(m map[string]func() any) []string { return slices.Sorted(maps.Keys(m)) }

// ForPath finds the dataset kind that reads a file or folder named on the command line
// (datasets.PathReader): `pal data info DIR`, `pal data convert ZIP OUT`. Paths are made
// absolute so that the config does not depend on a spec's folder.
func ForPath(path string) (kind string, cfg datasets.Kind, ok bool) {
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	for _, name := range sortedKinds(Schema().Datasets) {
		if r, isReader := Schema().Datasets[name]().(datasets.PathReader); isReader {
			if cfg, ok := r.ForPath(path); ok {
				return name, cfg, true
			}
		}
	}
	return "", nil, false
}

// Converters lists the dataset kinds whose data `pal data convert` can write out
// (datasets.Converter).
func Converters() []string {
	var out []string
	for _, name := range sortedKinds(Schema().Datasets) {
		if _, ok := Schema().Datasets[name]().(datasets.Converter); ok {
			out = append(out, name)
		}
	}
	return out
}
