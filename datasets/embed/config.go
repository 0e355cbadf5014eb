package embed

import (
	"fmt"
	"path/filepath"
)

// Config selects and configures a text embedder. It is meant to be embedded in the config
// struct of a dataset kind that embeds text (its keys then appear in that kind's [dataset]
// table); see datasets/config.go for the tag conventions.
type Config struct {
	Embedder  string `toml:"embedder" help:"text embedder: tfidf-svd (built in, offline; a stand-in for foundation-model features), openai (an OpenAI-compatible /v1/embeddings endpoint) or length (one feature, ln(1 + length in code points): the length shortcut)" enum:"tfidf-svd|openai|length"`
	EmbedDim  int    `toml:"embed_dim" help:"output dimension of tfidf-svd (ignored by openai, whose model fixes it, and by length, which has 1)" min:"1" max:"4096"`
	Endpoint  string `toml:"endpoint" help:"base URL of the embeddings server for embedder = \"openai\", e.g. http://localhost:11434; empty: $PAL_EMBED_ENDPOINT (without either the experiment is skipped by pal reproduce)"`
	Model     string `toml:"embed_model" help:"model name sent to the embeddings server, e.g. bge-m3; empty: $PAL_EMBED_MODEL"`
	APIKeyEnv string `toml:"api_key_env" help:"environment variable holding the embeddings server's API key (empty: none)"`
	Batch     int    `toml:"embed_batch" help:"texts per request to the embeddings server" min:"1" max:"100000"`
}

// DefaultConfig is the offline embedder at 64 dimensions.
func DefaultConfig() Config {
	return Config{Embedder: "tfidf-svd", EmbedDim: 64, Batch: 64}
}

// EmbedderConfig returns the config itself: a dataset kind's config that embeds Config gets
// the method, so `pal reproduce --list` can check its embedder beside its data files.
func (c Config) EmbedderConfig() Config { return c }

// EnvEndpoint and EnvModel name the environment variables that stand in for endpoint and
// embed_model when a spec leaves them empty: so an embedded spec (paper/) can use whatever
// OpenAI-compatible server the user runs, and is skipped, naming them, when none is set.
const (
	EnvEndpoint = "PAL_EMBED_ENDPOINT"
	EnvModel    = "PAL_EMBED_MODEL"
)

// Check reports settings that cannot work together. An openai embedder's empty endpoint and
// embed_model are allowed here: they are read from $PAL_EMBED_ENDPOINT and $PAL_EMBED_MODEL
// when the embedder is made (WithEnv), and Ready says when neither gives them.
func (c *Config) Check() error { return nil }

// WithEnv fills an openai embedder's empty endpoint and embed_model from $PAL_EMBED_ENDPOINT
// and $PAL_EMBED_MODEL (getenv reads the environment).
func (c Config) WithEnv(getenv func(string) string) Config {
	if c.Embedder == "openai" {
		if c.Endpoint == "" {
			c.Endpoint = getenv(EnvEndpoint)
		}
		if c.Model == "" {
			c.Model = getenv(EnvModel)
		}
	}
	return c
}

// Ready says what the embedder still lacks before it can be made: an openai embedder needs an
// endpoint and a model, from the spec or the environment (a *NotConfiguredError).
func (c *Config) Ready() error {
	if c.Embedder == "openai" {
		if c.Endpoint == "" {
			e := &NotConfiguredError{Key: "endpoint", Env: EnvEndpoint, Example: "http://localhost:11434",
				What: "needs an embeddings server", Value: "its base URL (an OpenAI-compatible /v1/embeddings server)"}
			if c.Model == "" {
				e.AlsoModel = true
			}
			return e
		}
		if c.Model == "" {
			return &NotConfiguredError{Key: "embed_model", Env: EnvModel, Example: "bge-m3",
				What: "needs embed_model", Value: "the model the server serves"}
		}
	}
	return nil
}

// NotConfiguredError says an openai embedder lacks a setting that the spec or an environment
// variable must give.
type NotConfiguredError struct {
	Key, Env, Example, What, Value string
	AlsoModel                      bool // embed_model is missing too
}

func (e *NotConfiguredError) Error() string {
	s := fmt.Sprintf("embedder = \"openai\" %s: set %s in the spec or $%s to %s, e.g. %s=%s", e.What, e.Key, e.Env, e.Value, e.Env, e.Example)
	if e.AlsoModel {
		s += fmt.Sprintf(", and embed_model or $%s (e.g. bge-m3)", EnvModel)
	}
	return s
}

// Setting is the short form of what to do, e.g. "export PAL_EMBED_ENDPOINT=http://localhost:11434".
func (e *NotConfiguredError) Setting() string {
	s := "export " + e.Env + "=" + e.Example
	if e.AlsoModel {
		s += " " + EnvModel + "=bge-m3"
	}
	return s
}

// New returns the embedder c describes, wrapped in an on-disk cache under
// cacheDir/embeddings when cacheDir is not empty.
func New(c Config, cacheDir string) (Embedder, error) {
	if err := c.Ready(); err != nil {
		return nil, err
	}
	var e Embedder
	switch c.Embedder {
	case "tfidf-svd", "":
		t, err := NewTFIDFSVD(c.EmbedDim)
		if err != nil {
			return nil, err
		}
		e = t
	case "length":
		e = Length{}
	case "openai":
		o, err := NewOpenAI(OpenAIOptions{Endpoint: c.Endpoint, Model: c.Model, APIKeyEnv: c.APIKeyEnv, BatchSize: c.Batch})
		if err != nil {
			return nil, err
		}
		e = o
	default:
		return nil, fmt.Errorf("embedder = %q: want tfidf-svd, openai or length", c.Embedder)
	}
	if cacheDir != "" {
		e = NewCached(e, filepath.Join(cacheDir, "embeddings"))
	}
	return e, nil
}
