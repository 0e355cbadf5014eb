package runstore

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/pal-harness/pal/internal/metrics"
)

// Analysis reads the analysis record (metrics.AnalysisFile) of run res: nil and no error when
// the run kept none (a model kind that fills none, a store written before the record existed).
func (s *Store) Analysis(res *Result) (*metrics.Analysis, error) {
	if !slices.Contains(res.Files, metrics.AnalysisFile) {
		return nil, nil
	}
	path := filepath.Join(s.RunDir(res.RunID), metrics.AnalysisFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s is listed in %s but missing: rerun the run (delete its folder)", path, ResultFile)
	}
	if err != nil {
		return nil, err
	}
	a, err := metrics.DecodeAnalysis(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return a, nil
}
