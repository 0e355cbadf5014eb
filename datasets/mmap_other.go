//go:build !(linux || darwin)

package datasets

// mapReadOnly does not map on this system: a nil unmap tells the caller to read the file into
// memory instead.
func mapReadOnly(path string) ([]byte, func() error, error) { return nil, nil, nil }
