package persona

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/pal-harness/pal/datasets/catalog"
)

// EnvData names the environment variable pointing at a folder of persona statement files
// (tests and CI set it to the pinned copy in ../shared/data/anthropic-evals-persona).
const EnvData = "PAL_PERSONA_DATA"

// ResolveDir returns the folder Build reads. With dataDir set (the spec's data_dir; relative to
// specDir) that folder; otherwise the first of $PAL_PERSONA_DATA and <cacheDir>/anthropic-persona
// that holds statement files (*.jsonl). When none does the error is a *catalog.MissingError that
// names every place looked and the command that fetches the data.
func ResolveDir(dataDir, specDir, cacheDir string, getenv func(string) string) (string, error) {
	var looked []string
	try := func(what, dir string) (string, bool, string) {
		n, err := countStatementFiles(dir)
		switch {
		case err != nil:
			looked = append(looked, fmt.Sprintf("%s %s (%v)", what, dir, shortErr(err)))
		case n == 0:
			looked = append(looked, fmt.Sprintf("%s %s (no .jsonl statement files)", what, dir))
		default:
			return dir, true, ""
		}
		return "", false, ""
	}
	if dataDir != "" {
		if !filepath.IsAbs(dataDir) && specDir != "" {
			dataDir = filepath.Join(specDir, dataDir)
		}
		if d, ok, _ := try("data_dir", dataDir); ok {
			return d, nil
		}
		return "", &catalog.MissingError{Name: CatalogName, Looked: looked}
	}
	if env := getenv(EnvData); env != "" {
		if d, ok, _ := try("$"+EnvData, env); ok {
			return d, nil
		}
	} else {
		looked = append(looked, "$"+EnvData+" (unset)")
	}
	if cacheDir != "" {
		if d, ok, _ := try("the cache", filepath.Join(cacheDir, CatalogName)); ok {
			return d, nil
		}
	}
	return "", &catalog.MissingError{Name: CatalogName, Looked: looked}
}

func shortErr(err error) string {
	if os.IsNotExist(err) {
		return "no such folder"
	}
	return err.Error()
}

func countStatementFiles(dir string) (int, error) {
	names, err := statementFiles(dir)
	return len(names), err
}

// statementFiles lists the *.jsonl files of dir, sorted: the pool of traits.
func statementFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".jsonl") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names, nil
}
