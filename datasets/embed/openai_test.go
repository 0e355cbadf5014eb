package embed

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeServer answers /v1/embeddings like an OpenAI-compatible server: the vector of a text is
// (len(text), first byte, 1). fail, when set, may answer instead (return true).
type fakeServer struct {
	mu      sync.Mutex
	batches []int
	auth    []string
	fail    func(n int, w http.ResponseWriter) bool
	reverse bool // answer the data in reverse index order
}

func vecOf(s string) []float64 { return []float64{float64(len(s)), float64(s[0]), 1} }

func (f *fakeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/v1/embeddings" || r.Method != http.MethodPost {
		http.NotFound(w, r)
		return
	}
	var req embeddingsRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Model == "" {
		http.Error(w, `{"error":"bad request"}`, http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.batches = append(f.batches, len(req.Input))
	f.auth = append(f.auth, r.Header.Get("Authorization"))
	n := len(f.batches)
	f.mu.Unlock()
	if f.fail != nil && f.fail(n, w) {
		return
	}
	type item struct {
		Embedding []float64 `json:"embedding"`
		Index     int       `json:"index"`
		Object    string    `json:"object"`
	}
	var data []item
	for i, s := range req.Input {
		data = append(data, item{vecOf(s), i, "embedding"})
	}
	if f.reverse {
		for i, j := 0, len(data)-1; i < j; i, j = i+1, j-1 {
			data[i], data[j] = data[j], data[i]
		}
	}
	json.NewEncoder(w).Encode(map[string]any{"object": "list", "data": data, "model": req.Model})
}

func texts(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%c statement number %d", 'a'+i%26, i)
	}
	return out
}

func TestOpenAIBatchesAndOrders(t *testing.T) {
	f := &fakeServer{reverse: true}
	srv := httptest.NewServer(f)
	defer srv.Close()
	e, err := NewOpenAI(OpenAIOptions{Endpoint: srv.URL, Model: "bge-m3", BatchSize: 4, APIKeyEnv: "TEST_KEY",
		Getenv: func(k string) string { return map[string]string{"TEST_KEY": "s3cret"}[k] }})
	if err != nil {
		t.Fatal(err)
	}
	if e.Name() != "openai(model=bge-m3)" {
		t.Errorf("name %q", e.Name())
	}
	in := texts(10)
	got, err := e.Embed(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if e.Dim() != 3 || len(got) != 30 {
		t.Fatalf("dim %d, %d values", e.Dim(), len(got))
	}
	for i, s := range in {
		if w := vecOf(s); got[3*i] != w[0] || got[3*i+1] != w[1] {
			t.Fatalf("text %d: vector %v, want %v (answers must be put back in index order)", i, got[3*i:3*i+3], w)
		}
	}
	if fmt.Sprint(f.batches) != "[4 4 2]" {
		t.Errorf("batch sizes %v, want [4 4 2]", f.batches)
	}
	for _, a := range f.auth {
		if a != "Bearer s3cret" {
			t.Errorf("Authorization %q", a)
		}
	}
}

func TestOpenAIRetries429And5xx(t *testing.T) {
	f := &fakeServer{fail: func(n int, w http.ResponseWriter) bool {
		switch n {
		case 1:
			w.Header().Set("Retry-After", "0")
			http.Error(w, "slow down", http.StatusTooManyRequests)
			return true
		case 2:
			http.Error(w, "model loading", http.StatusServiceUnavailable)
			return true
		}
		return false
	}}
	srv := httptest.NewServer(f)
	defer srv.Close()
	e, _ := NewOpenAI(OpenAIOptions{Endpoint: srv.URL + "/v1/", Model: "m", Backoff: time.Millisecond})
	got, err := e.Embed(context.Background(), texts(3))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 9 || len(f.batches) != 3 {
		t.Errorf("%d values after %d requests, want 9 after 3", len(got), len(f.batches))
	}
}

func TestOpenAIGivesUp(t *testing.T) {
	f := &fakeServer{fail: func(n int, w http.ResponseWriter) bool {
		http.Error(w, "broken", http.StatusInternalServerError)
		return true
	}}
	srv := httptest.NewServer(f)
	defer srv.Close()
	e, _ := NewOpenAI(OpenAIOptions{Endpoint: srv.URL, Model: "m", Attempts: 3, Backoff: time.Millisecond})
	_, err := e.Embed(context.Background(), texts(2))
	if err == nil || !strings.Contains(err.Error(), "3 attempts") || !strings.Contains(err.Error(), srv.URL) || !strings.Contains(err.Error(), "500") {
		t.Fatalf("error %v, want one naming the endpoint, HTTP 500 and 3 attempts", err)
	}
}

func TestOpenAIUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	e, _ := NewOpenAI(OpenAIOptions{Endpoint: url, Model: "m", Backoff: time.Hour})
	start := time.Now()
	_, err := e.Embed(context.Background(), texts(2))
	if err == nil || !strings.Contains(err.Error(), url) || !strings.Contains(err.Error(), "start the server") {
		t.Fatalf("error %v, want one naming the endpoint and suggesting to start the server", err)
	}
	if time.Since(start) > 10*time.Second {
		t.Error("a refused connection must not be retried with backoff")
	}
}

func TestOpenAIClientErrors(t *testing.T) {
	for _, c := range []struct {
		status int
		want   string
	}{{401, "api_key_env"}, {404, "no such model"}, {400, "embedding model"}} {
		f := &fakeServer{fail: func(n int, w http.ResponseWriter) bool {
			http.Error(w, `{"error":"nope"}`, c.status)
			return true
		}}
		srv := httptest.NewServer(f)
		e, _ := NewOpenAI(OpenAIOptions{Endpoint: srv.URL, Model: "m", Backoff: time.Millisecond})
		_, err := e.Embed(context.Background(), texts(1))
		srv.Close()
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "nope") {
			t.Errorf("HTTP %d: error %v, want the server's message and a hint containing %q", c.status, err, c.want)
		}
		if len(f.batches) != 1 {
			t.Errorf("HTTP %d retried %d times", c.status, len(f.batches)-1)
		}
	}
}

func TestOpenAIOptionsChecked(t *testing.T) {
	for _, o := range []OpenAIOptions{
		{Model: "m"},
		{Endpoint: "localhost:8080", Model: "m"},
		{Endpoint: "http://localhost:8080"},
		{Endpoint: "http://localhost:8080", Model: "m", APIKeyEnv: "UNSET_VAR", Getenv: func(string) string { return "" }},
	} {
		if _, err := NewOpenAI(o); err == nil {
			t.Errorf("options %+v accepted", o)
		}
	}
}
