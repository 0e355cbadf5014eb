package embed

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// OpenAIOptions configures an OpenAI-compatible embeddings client.
type OpenAIOptions struct {
	// Endpoint is the server's base URL, e.g. "http://localhost:11434" (Ollama),
	// "http://localhost:8080" (llama.cpp server, text-embeddings-inference) or
	// "http://localhost:8000" (vLLM). Requests go to Endpoint + "/v1/embeddings" (just
	// "/embeddings" when Endpoint already ends in "/v1").
	Endpoint string
	// Model is the "model" field of each request, e.g. "bge-m3".
	Model string
	// APIKeyEnv names an environment variable holding a key sent as "Authorization: Bearer
	// KEY"; "" sends none. The key itself never appears in names, errors or results.
	APIKeyEnv string
	// Dim is the expected vector length; 0 takes it from the first answer.
	Dim int
	// BatchSize is the number of texts per request; 0 means 64.
	BatchSize int
	// Attempts is how often a request failing with HTTP 429, a 5xx or a dropped connection is
	// tried; 0 means 5. A refused connection is not retried: nothing is listening.
	Attempts int
	// Backoff is the delay before the first retry, doubled for each further one (a Retry-After
	// header of up to a minute is honoured instead); 0 means 500 ms.
	Backoff time.Duration
	// Client makes the requests; nil means one with a 2-minute timeout per request.
	Client *http.Client
	// Getenv reads the API key variable; nil means os.Getenv.
	Getenv func(string) string
}

// OpenAI embeds texts with a server speaking the OpenAI embeddings API: POST {"model": M,
// "input": [texts]} to /v1/embeddings, answered by {"data": [{"embedding": [...], "index": i}]}.
// Ollama, vLLM, llama.cpp's server and text-embeddings-inference all serve it. It is safe for
// concurrent use.
type OpenAI struct {
	url   string
	model string
	key   string
	batch int
	tries int
	wait  time.Duration
	http  *http.Client

	mu  sync.Mutex
	dim int // learned from the first answer when not configured
}

// NewOpenAI checks the options and returns the client. It does not contact the server.
func NewOpenAI(o OpenAIOptions) (*OpenAI, error) {
	if o.Endpoint == "" {
		return nil, errors.New("embedding endpoint: no endpoint URL given: set endpoint, e.g. \"http://localhost:11434\" for Ollama")
	}
	u, err := url.Parse(o.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("embedding endpoint %q is not an http(s) URL: write it like \"http://localhost:8080\"", o.Endpoint)
	}
	if o.Model == "" {
		return nil, fmt.Errorf("embedding endpoint %s: no model given: set the model the server serves, e.g. \"bge-m3\"", o.Endpoint)
	}
	if o.Dim < 0 {
		return nil, fmt.Errorf("embedding endpoint %s: dimension %d, want >= 0", o.Endpoint, o.Dim)
	}
	getenv := o.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	c := &OpenAI{model: o.Model, batch: o.BatchSize, tries: o.Attempts, wait: o.Backoff, http: o.Client, dim: o.Dim}
	base := strings.TrimRight(o.Endpoint, "/")
	if strings.HasSuffix(base, "/v1") {
		c.url = base + "/embeddings"
	} else {
		c.url = base + "/v1/embeddings"
	}
	if o.APIKeyEnv != "" {
		if c.key = getenv(o.APIKeyEnv); c.key == "" {
			return nil, fmt.Errorf("embedding endpoint %s: the API key variable %s is empty or unset: export it, or leave api_key_env empty for a server without keys", o.Endpoint, o.APIKeyEnv)
		}
	}
	if c.batch <= 0 {
		c.batch = 64
	}
	if c.tries <= 0 {
		c.tries = 5
	}
	if c.wait <= 0 {
		c.wait = 500 * time.Millisecond
	}
	if c.http == nil {
		c.http = &http.Client{Timeout: 2 * time.Minute}
	}
	return c, nil
}

// Name is "openai(model=M)". The endpoint is left out: the same model served elsewhere gives
// the same features and shares the cache.
func (c *OpenAI) Name() string { return "openai(model=" + c.model + ")" }

// Dim is the vector length: the configured one, or the one of the first answer (0 before any).
func (c *OpenAI) Dim() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.dim
}

// Note labels the features in reports.
func (c *OpenAI) Note() string {
	return "embeddings: " + c.Name() + ", from an OpenAI-compatible /v1/embeddings endpoint"
}

// URL is where requests go.
func (c *OpenAI) URL() string { return c.url }

// Embed sends the texts in batches and returns their vectors in order.
func (c *OpenAI) Embed(ctx context.Context, texts []string) ([]float64, error) {
	var out []float64
	for start := 0; start < len(texts); start += c.batch {
		batch := texts[start:min(start+c.batch, len(texts))]
		vecs, err := c.embedBatch(ctx, batch)
		if err != nil {
			return nil, err
		}
		for i, v := range vecs {
			c.mu.Lock()
			if c.dim == 0 {
				c.dim = len(v)
			}
			dim := c.dim
			c.mu.Unlock()
			if len(v) != dim || dim == 0 {
				return nil, fmt.Errorf("embedding endpoint %s: text %d has a vector of length %d, want %d (is the model %q the one you meant?)", c.url, start+i, len(v), dim, c.model)
			}
			out = append(out, v...)
		}
	}
	if out == nil {
		out = []float64{}
	}
	return out, nil
}

type embeddingsRequest struct {
	Model string   `json:"model"`
	Input []string `json:"input"`
}

type embeddingsResponse struct {
	Data []struct {
		Embedding []float64 `json:"embedding"`
		Index     int       `json:"index"`
	} `json:"data"`
}

// errRefused marks a connection nothing accepted.
type unreachableError struct {
	url string
	err error
}

func (e *unreachableError) Error() string {
	return fmt.Sprintf("embedding endpoint %s is unreachable (%v): start the server (e.g. `ollama serve`, `llama-server --embeddings`, vLLM or text-embeddings-inference) or correct the endpoint in the spec", e.url, e.err)
}

func (e *unreachableError) Unwrap() error { return e.err }

func (c *OpenAI) embedBatch(ctx context.Context, texts []string) ([][]float64, error) {
	body, err := json.Marshal(embeddingsRequest{Model: c.model, Input: texts})
	if err != nil {
		return nil, err
	}
	var last error
	for attempt := 1; attempt <= c.tries; attempt++ {
		resp, err := c.post(ctx, body)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if refused(err) {
				return nil, &unreachableError{url: c.url, err: unwrapURL(err)}
			}
			last = err
			if serr := sleepCtx(ctx, c.wait<<(attempt-1)); serr != nil {
				return nil, serr
			}
			continue
		}
		raw, rerr := io.ReadAll(io.LimitReader(resp.Body, 1<<30))
		resp.Body.Close()
		switch {
		case rerr != nil:
			last = rerr
		case resp.StatusCode == http.StatusOK:
			return c.parse(raw, len(texts))
		case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
			last = fmt.Errorf("HTTP %d: %s", resp.StatusCode, snippet(raw))
			wait := c.wait << (attempt - 1)
			if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s >= 0 && s <= 60 {
				wait = time.Duration(s) * time.Second
			}
			if attempt < c.tries {
				if serr := sleepCtx(ctx, wait); serr != nil {
					return nil, serr
				}
			}
			continue
		default:
			hint := ""
			switch resp.StatusCode {
			case http.StatusUnauthorized, http.StatusForbidden:
				hint = ": the server wants an API key: name the variable holding it with api_key_env"
			case http.StatusNotFound:
				hint = ": no embeddings route or no such model: check the endpoint (without /v1/embeddings) and that the server serves model " + strconv.Quote(c.model)
			case http.StatusBadRequest:
				hint = ": check that model " + strconv.Quote(c.model) + " is an embedding model the server serves"
			}
			return nil, fmt.Errorf("embedding endpoint %s: HTTP %d: %s%s", c.url, resp.StatusCode, snippet(raw), hint)
		}
		if attempt < c.tries {
			if serr := sleepCtx(ctx, c.wait<<(attempt-1)); serr != nil {
				return nil, serr
			}
		}
	}
	return nil, fmt.Errorf("embedding endpoint %s: failed after %d attempts: %v", c.url, c.tries, unwrapURL(last))
}

func (c *OpenAI) post(ctx context.Context, body []byte) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if c.key != "" {
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	return c.http.Do(req)
}

func (c *OpenAI) parse(raw []byte, n int) ([][]float64, error) {
	var r embeddingsResponse
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, fmt.Errorf("embedding endpoint %s: the answer is not the OpenAI embeddings JSON (%v): %s", c.url, err, snippet(raw))
	}
	if len(r.Data) != n {
		return nil, fmt.Errorf("embedding endpoint %s: %d vectors for %d texts", c.url, len(r.Data), n)
	}
	out := make([][]float64, n)
	for _, d := range r.Data {
		if d.Index < 0 || d.Index >= n || out[d.Index] != nil {
			return nil, fmt.Errorf("embedding endpoint %s: answer has a bad or repeated index %d (of %d texts)", c.url, d.Index, n)
		}
		out[d.Index] = d.Embedding
	}
	return out, nil
}

func refused(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

func unwrapURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	if s == "" {
		s = "(empty body)"
	}
	return s
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
