package catalog

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// CacheEnv names the environment variable that sets the cache folder.
const CacheEnv = "PAL_CACHE"

// CacheDir resolves the cache folder holding downloaded data sets (one folder per entry) and
// cached embeddings: flagValue when not empty (the --cache flag), else $PAL_CACHE, else
// os.UserCacheDir()/pal (~/.cache/pal on Linux, ~/Library/Caches/pal on macOS). getenv is
// os.Getenv outside tests.
func CacheDir(flagValue string, getenv func(string) string) (string, error) {
	dir := flagValue
	if dir == "" {
		dir = getenv(CacheEnv)
	}
	if dir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return "", fmt.Errorf("no cache folder: %v; name one with --cache DIR or %s=DIR", err, CacheEnv)
		}
		dir = filepath.Join(base, "pal")
	}
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	return dir, nil
}

// Dir is the folder of the entry's files under the cache folder.
func (e Entry) Dir(cache string) string { return filepath.Join(cache, e.Name) }

// FetchCommand is the command that downloads the entry.
func (e Entry) FetchCommand() string { return "pal data fetch " + e.Name }

// MissingError says a data set a spec needs is not on disk, where it was looked for and which
// command fetches it. Commands that run specs report it and exit 2 before anything runs;
// `pal reproduce` skips the experiments that need it.
type MissingError struct {
	Name   string   // catalog entry
	Looked []string // where it was looked for, in order, each "what: path"
	Reason string   // what was wrong with the last place looked, if it existed
}

func (e *MissingError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "data set %q is not on disk (looked in %s)", e.Name, strings.Join(e.Looked, "; "))
	if e.Reason != "" {
		b.WriteString(": " + e.Reason)
	}
	fmt.Fprintf(&b, ": fetch it with `pal data fetch %s`", e.Name)
	return b.String()
}

// IsMissing reports whether err says a catalog data set is missing.
func IsMissing(err error) bool {
	var m *MissingError
	return errors.As(err, &m)
}
