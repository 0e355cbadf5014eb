package datasets

import (
	"fmt"
	"os"
	"path/filepath"
)

// Shape is what the memory of a fit depends on: the counts of a data set.
type Shape struct {
	Items, Dim         int
	Prompts, PromptDim int
	Users, Pairs       int
}

// Bytes that one pair and one user take in Data (a Pair is five words; a user its ID, flags
// and weights, rounded up).
const (
	pairBytes = 40
	userBytes = 128
)

// Bytes is what a Data of this shape holds: float32 embeddings, pairs and users.
func (s Shape) Bytes() int64 {
	return 4*int64(s.Items)*int64(s.Dim) + 4*int64(s.Prompts)*int64(s.PromptDim) +
		pairBytes*int64(s.Pairs) + userBytes*int64(s.Users)
}

// Estimator is implemented by kinds that can tell, before building anything, about how large
// their data set will be: its shape, and the bytes building it takes at its peak (the Data and
// whatever the builder holds besides, such as a generator's ground truth). Preflight refuses a
// spec whose runs would not fit in the machine's memory before it allocates anything.
type Estimator interface {
	Estimate(env Env) (Shape, int64, error)
}

// Estimate implements Estimator: the generator's draws are counted from its config (items in
// float64 and float32, the true map, the latent items, prototypes, prompts and their maps,
// users and pairs).
func (c *SyntheticConfig) Estimate(env Env) (Shape, int64, error) {
	s := Shape{
		Items: c.Items, Dim: c.Dim,
		Users: c.SeenUsers + c.UnseenUsers,
		Pairs: c.SeenUsers*c.PairsPerUser + c.UnseenUsers*(c.UnseenTrain+c.UnseenVal+c.UnseenTest),
	}
	if c.Prompts > 0 {
		s.Prompts, s.PromptDim = c.Prompts, c.PromptDim
	}
	n, D, d, K := int64(c.Items), int64(c.Dim), int64(c.LatentDim), int64(c.KTrue)
	truth := 8 * (n*D + n*d + K*d + int64(s.Users)*(d+K)) // float64 items, latent items, prototypes, ideal points, weights
	switch c.Map {
	case "linear":
		truth += 8 * d * D
	case "mlp":
		truth += 8 * (d*D + d*d + n*d) // both layers, and the hidden activations
	}
	if c.Prompts > 0 {
		P, Dp := int64(c.Prompts), int64(c.PromptDim)
		truth += 8 * P * Dp
		if c.PromptDependence {
			truth += 8 * (K*d*Dp + P*K*d)
		}
	}
	return s, s.Bytes() + truth, nil
}

// Estimate implements Estimator from the headers of items.npy and prompts.npy and the size of
// pairs.csv (a line holds at least 10 bytes): float64 files are read whole before they are
// rounded to float32, so they count 12 bytes a value at the peak.
func (c *FilesConfig) Estimate(env Env) (Shape, int64, error) {
	dir := env.Resolve(c.Path)
	var s Shape
	var extra int64
	for _, m := range []struct {
		file       string
		rows, cols *int
	}{{ItemsFile, &s.Items, &s.Dim}, {PromptsFile, &s.Prompts, &s.PromptDim}} {
		shape, size, err := npyShape(filepath.Join(dir, m.file))
		if err != nil || len(shape) != 2 {
			if m.file == ItemsFile {
				return Shape{}, 0, fmt.Errorf("%s: %v", filepath.Join(dir, m.file), err)
			}
			continue // no prompts
		}
		*m.rows, *m.cols = shape[0], shape[1]
		if size == 8 {
			extra += 8 * int64(shape[0]) * int64(shape[1])
		}
	}
	st, err := os.Stat(filepath.Join(dir, PairsFile))
	if err != nil {
		return Shape{}, 0, err
	}
	s.Pairs = int(st.Size() / 10)
	s.Users = s.Pairs
	return s, s.Bytes() + st.Size() + extra, nil
}
