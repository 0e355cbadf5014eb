// Package embed turns texts into the frozen feature vectors PAL trains on: a built-in offline
// embedder (a stand-in for foundation-model features, labelled as such in reports), any
// OpenAI-compatible /v1/embeddings endpoint, and an on-disk cache keyed by embedder and text.
package embed

import "context"

// Embedder maps texts to vectors of a fixed dimension.
type Embedder interface {
	// Name identifies the embedder and its settings (model, dimension, endpoint) for caching and
	// for reports, e.g. "tfidf-svd(dim=256)" or "openai(model=bge-m3)".
	Name() string
	// Dim is the length of every vector.
	Dim() int
	// Embed returns len(texts) x Dim() values, row-major, in the order of texts.
	Embed(ctx context.Context, texts []string) ([]float64, error)
}
