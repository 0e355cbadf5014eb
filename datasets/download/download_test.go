package download

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// fixture is a file in the true format of what pal downloads (persona statements, JSON lines).
func fixture(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "statements.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// fastOpts retries without waiting long.
func fastOpts() Options {
	return Options{Backoff: time.Millisecond, StallTimeout: 5 * time.Second, Rerun: "pal data fetch test-set"}
}

// requestLog records the Range header of every request a server saw.
type requestLog struct {
	mu     sync.Mutex
	ranges []string
}

func (l *requestLog) add(r *http.Request) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ranges = append(l.ranges, r.Header.Get("Range"))
	return len(l.ranges)
}

func (l *requestLog) get() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.ranges...)
}

// serve answers like a static file server (Range honoured) after pre, when pre returns false.
func serve(content []byte, log *requestLog, pre func(n int, w http.ResponseWriter, r *http.Request) bool) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := log.add(r)
		if pre != nil && pre(n, w, r) {
			return
		}
		http.ServeContent(w, r, "statements.jsonl", time.Time{}, bytes.NewReader(content))
	}))
}

// cut sends the headers of the whole file and the first half of it, then drops the connection.
func cut(t *testing.T, content []byte, w http.ResponseWriter) {
	conn, buf, err := w.(http.Hijacker).Hijack()
	if err != nil {
		t.Error(err)
		return
	}
	fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\nContent-Type: application/jsonl\r\n\r\n", len(content))
	buf.Write(content[:len(content)/2])
	buf.Flush()
	conn.Close()
}

func mustNotExist(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s exists after the failure (stat: %v); nothing half-written may stay", path, err)
	}
}

func mustHold(t *testing.T, path string, want []byte) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s holds %d bytes that differ from the %d served", path, len(got), len(want))
	}
}

func TestFetchVerifiesAndRenames(t *testing.T) {
	content := fixture(t)
	var log requestLog
	srv := serve(content, &log, nil)
	defer srv.Close()
	dest := filepath.Join(t.TempDir(), "sub", "statements.jsonl")
	req := Request{URL: srv.URL + "/statements.jsonl", Dest: dest, SHA256: sum(content), Size: int64(len(content))}
	var reported atomic.Int64
	opts := fastOpts()
	opts.Progress = func(d int64) { reported.Add(d) }
	if err := Fetch(context.Background(), req, opts); err != nil {
		t.Fatal(err)
	}
	mustHold(t, dest, content)
	mustNotExist(t, dest+PartSuffix)
	if reported.Load() != int64(len(content)) {
		t.Errorf("progress reported %d bytes, want %d", reported.Load(), len(content))
	}
	// A complete, verified file is not fetched again.
	if err := Fetch(context.Background(), req, opts); err != nil {
		t.Fatal(err)
	}
	if n := len(log.get()); n != 1 {
		t.Errorf("%d requests, want 1: a complete file must not be downloaded again", n)
	}
}

func TestResumeAfterCutConnection(t *testing.T) {
	content := fixture(t)
	var log requestLog
	srv := serve(content, &log, func(n int, w http.ResponseWriter, r *http.Request) bool {
		if n == 1 {
			cut(t, content, w)
			return true
		}
		return false
	})
	defer srv.Close()
	dest := filepath.Join(t.TempDir(), "statements.jsonl")
	req := Request{URL: srv.URL + "/f", Dest: dest, SHA256: sum(content), Size: int64(len(content))}

	// With one attempt the cut is a network error that keeps the half for a resume.
	opts := fastOpts()
	opts.Attempts = 1
	err := Fetch(context.Background(), req, opts)
	var ne *NetworkError
	if !errors.As(err, &ne) {
		t.Fatalf("error %v (%T), want a *NetworkError", err, err)
	}
	for _, want := range []string{req.URL, "pal data fetch test-set", "resume", dest + PartSuffix} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	mustNotExist(t, dest)
	part, err := os.ReadFile(dest + PartSuffix)
	if err != nil {
		t.Fatal(err)
	}
	if len(part) != len(content)/2 || !bytes.Equal(part, content[:len(part)]) {
		t.Fatalf("the .part file holds %d bytes, want the first %d of the file", len(part), len(content)/2)
	}

	// Running the fetch again resumes with a Range request.
	if err := Fetch(context.Background(), req, fastOpts()); err != nil {
		t.Fatal(err)
	}
	mustHold(t, dest, content)
	mustNotExist(t, dest+PartSuffix)
	got := log.get()
	want := fmt.Sprintf("bytes=%d-", len(content)/2)
	if len(got) != 2 || got[0] != "" || got[1] != want {
		t.Errorf("Range headers %q, want [\"\" %q]", got, want)
	}
}

func TestCutConnectionRetriedWithinOneFetch(t *testing.T) {
	content := fixture(t)
	var log requestLog
	srv := serve(content, &log, func(n int, w http.ResponseWriter, r *http.Request) bool {
		if n == 1 {
			cut(t, content, w)
			return true
		}
		return false
	})
	defer srv.Close()
	dest := filepath.Join(t.TempDir(), "statements.jsonl")
	req := Request{URL: srv.URL + "/f", Dest: dest, SHA256: sum(content)}
	if err := Fetch(context.Background(), req, fastOpts()); err != nil {
		t.Fatal(err)
	}
	mustHold(t, dest, content)
	if got := log.get(); len(got) != 2 || got[1] == "" {
		t.Errorf("Range headers %q: the retry should have resumed", got)
	}
}

func TestRangeIgnoredRestartsFromZero(t *testing.T) {
	content := fixture(t)
	var log requestLog
	srv := serve(content, &log, func(n int, w http.ResponseWriter, r *http.Request) bool {
		w.Header().Set("Content-Length", fmt.Sprint(len(content)))
		w.Write(content) // always 200 with the whole body, whatever Range says
		return true
	})
	defer srv.Close()
	dest := filepath.Join(t.TempDir(), "statements.jsonl")
	// A .part from an earlier attempt, of another version of the file: appending the 200 body
	// to it would corrupt the result.
	if err := os.WriteFile(dest+PartSuffix, []byte("stale bytes of an old attempt\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var reported atomic.Int64
	opts := fastOpts()
	opts.Progress = func(d int64) { reported.Add(d) }
	if err := Fetch(context.Background(), Request{URL: srv.URL, Dest: dest, SHA256: sum(content)}, opts); err != nil {
		t.Fatal(err)
	}
	mustHold(t, dest, content)
	mustNotExist(t, dest+PartSuffix)
	if got := log.get(); len(got) != 1 || got[0] == "" {
		t.Errorf("Range headers %q, want one request asking to resume", got)
	}
	if reported.Load() != int64(len(content)) {
		t.Errorf("progress ends at %d bytes, want %d (the discarded part must be taken back)", reported.Load(), len(content))
	}
}

func TestNotFoundNamesTheURL(t *testing.T) {
	var log requestLog
	srv := serve(nil, &log, func(n int, w http.ResponseWriter, r *http.Request) bool {
		http.NotFound(w, r)
		return true
	})
	defer srv.Close()
	dest := filepath.Join(t.TempDir(), "statements.jsonl")
	url := srv.URL + "/no/such/file.jsonl"
	err := Fetch(context.Background(), Request{URL: url, Dest: dest}, fastOpts())
	var he *HTTPError
	if !errors.As(err, &he) || he.Status != 404 {
		t.Fatalf("error %v, want an HTTP 404 error", err)
	}
	if !strings.Contains(err.Error(), url) || !strings.Contains(err.Error(), "404") {
		t.Errorf("error %q should name the URL and the status", err)
	}
	if n := len(log.get()); n != 1 {
		t.Errorf("%d requests: a 404 must not be retried", n)
	}
	mustNotExist(t, dest)
	mustNotExist(t, dest+PartSuffix)
}

func TestServerErrorRetried(t *testing.T) {
	content := fixture(t)
	var log requestLog
	srv := serve(content, &log, func(n int, w http.ResponseWriter, r *http.Request) bool {
		if n <= 2 {
			http.Error(w, "overloaded", http.StatusInternalServerError)
			return true
		}
		return false
	})
	defer srv.Close()
	dest := filepath.Join(t.TempDir(), "statements.jsonl")
	if err := Fetch(context.Background(), Request{URL: srv.URL, Dest: dest, SHA256: sum(content)}, fastOpts()); err != nil {
		t.Fatal(err)
	}
	mustHold(t, dest, content)
	if n := len(log.get()); n != 3 {
		t.Errorf("%d requests, want 3 (two 500s, then success)", n)
	}
}

func TestServerErrorGivesUp(t *testing.T) {
	var log requestLog
	srv := serve(nil, &log, func(n int, w http.ResponseWriter, r *http.Request) bool {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return true
	})
	defer srv.Close()
	dest := filepath.Join(t.TempDir(), "statements.jsonl")
	opts := fastOpts()
	opts.Attempts = 3
	err := Fetch(context.Background(), Request{URL: srv.URL + "/x", Dest: dest}, opts)
	if err == nil || !strings.Contains(err.Error(), "503") || !strings.Contains(err.Error(), "3 attempts") || !strings.Contains(err.Error(), srv.URL+"/x") {
		t.Fatalf("error %v, want one naming the URL, HTTP 503 and the 3 attempts", err)
	}
	if n := len(log.get()); n != 3 {
		t.Errorf("%d requests, want 3", n)
	}
	mustNotExist(t, dest)
}

func TestChecksumMismatchDeletes(t *testing.T) {
	content := fixture(t)
	var log requestLog
	srv := serve(content, &log, nil)
	defer srv.Close()
	dest := filepath.Join(t.TempDir(), "statements.jsonl")
	wrong := strings.Repeat("ab", 32)
	err := Fetch(context.Background(), Request{URL: srv.URL, Dest: dest, SHA256: wrong}, fastOpts())
	var ce *ChecksumError
	if !errors.As(err, &ce) {
		t.Fatalf("error %v, want a *ChecksumError", err)
	}
	for _, want := range []string{wrong, sum(content), srv.URL} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not show %q", err, want)
		}
	}
	mustNotExist(t, dest)
	mustNotExist(t, dest+PartSuffix)
}

func TestSizeMismatchDeletes(t *testing.T) {
	content := fixture(t)
	var log requestLog
	srv := serve(content, &log, nil)
	defer srv.Close()
	dest := filepath.Join(t.TempDir(), "statements.jsonl")
	err := Fetch(context.Background(), Request{URL: srv.URL, Dest: dest, Size: int64(len(content)) + 10}, fastOpts())
	var se *SizeError
	if !errors.As(err, &se) {
		t.Fatalf("error %v, want a *SizeError", err)
	}
	mustNotExist(t, dest)
	mustNotExist(t, dest+PartSuffix)
}

// fullDisk is a file that accepts limit bytes, then fails like a full disk.
type fullDisk struct {
	f     *os.File
	limit int
}

func (d *fullDisk) Write(p []byte) (int, error) {
	if len(p) <= d.limit {
		d.limit -= len(p)
		return d.f.Write(p)
	}
	n, _ := d.f.Write(p[:d.limit])
	d.limit = 0
	return n, &os.PathError{Op: "write", Path: d.f.Name(), Err: syscall.ENOSPC}
}
func (d *fullDisk) Sync() error  { return d.f.Sync() }
func (d *fullDisk) Close() error { return d.f.Close() }

func TestDiskFull(t *testing.T) {
	content := fixture(t)
	var log requestLog
	srv := serve(content, &log, nil)
	defer srv.Close()
	dir := t.TempDir()
	dest := filepath.Join(dir, "statements.jsonl")
	opts := fastOpts()
	opts.OpenFile = func(name string, flag int, perm os.FileMode) (File, error) {
		f, err := os.OpenFile(name, flag, perm)
		if err != nil {
			return nil, err
		}
		return &fullDisk{f: f, limit: 1000}, nil
	}
	err := Fetch(context.Background(), Request{URL: srv.URL, Dest: dest, Size: int64(len(content))}, opts)
	var de *DiskFullError
	if !errors.As(err, &de) || !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("error %v, want a *DiskFullError wrapping ENOSPC", err)
	}
	for _, want := range []string{dir, fmt.Sprint(len(content)), "1000 bytes", "pal data fetch test-set"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if n := len(log.get()); n != 1 {
		t.Errorf("%d requests: a full disk must not be retried", n)
	}
	mustNotExist(t, dest)
	mustNotExist(t, dest+PartSuffix)
}

func TestCancelKeepsAResumablePart(t *testing.T) {
	content := fixture(t)
	var log requestLog
	srv := serve(content, &log, func(n int, w http.ResponseWriter, r *http.Request) bool {
		if n > 1 {
			return false
		}
		w.Header().Set("Content-Length", fmt.Sprint(len(content)))
		w.Write(content[:len(content)/2])
		w.(http.Flusher).Flush()
		<-r.Context().Done() // hang until the client goes away
		return true
	})
	defer srv.Close()
	dest := filepath.Join(t.TempDir(), "statements.jsonl")
	req := Request{URL: srv.URL, Dest: dest, SHA256: sum(content), Size: int64(len(content))}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	opts := fastOpts()
	var got atomic.Int64
	opts.Progress = func(d int64) {
		if got.Add(d) >= int64(len(content)/2) {
			cancel() // Ctrl-C once half has arrived
		}
	}
	err := Fetch(ctx, req, opts)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	mustNotExist(t, dest)
	part, err := os.ReadFile(dest + PartSuffix)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(part, content[:len(part)]) {
		t.Fatal("the kept .part file is not a prefix of the file")
	}
	if err := Fetch(context.Background(), req, fastOpts()); err != nil {
		t.Fatal(err)
	}
	mustHold(t, dest, content)
}

func TestStalledConnectionIsRetried(t *testing.T) {
	content := fixture(t)
	var log requestLog
	release := make(chan struct{})
	defer close(release)
	srv := serve(content, &log, func(n int, w http.ResponseWriter, r *http.Request) bool {
		if n > 1 {
			return false
		}
		w.Header().Set("Content-Length", fmt.Sprint(len(content)))
		w.Write(content[:100])
		w.(http.Flusher).Flush()
		select { // stall
		case <-release:
		case <-r.Context().Done():
		}
		return true
	})
	defer srv.Close()
	dest := filepath.Join(t.TempDir(), "statements.jsonl")
	opts := fastOpts()
	opts.StallTimeout = 50 * time.Millisecond
	if err := Fetch(context.Background(), Request{URL: srv.URL, Dest: dest, SHA256: sum(content)}, opts); err != nil {
		t.Fatal(err)
	}
	mustHold(t, dest, content)
	if got := log.get(); len(got) != 2 || got[1] != "bytes=100-" {
		t.Errorf("Range headers %q, want a resume from byte 100 after the stall", got)
	}
}

func TestCorruptFinalFileIsReplaced(t *testing.T) {
	content := fixture(t)
	var log requestLog
	srv := serve(content, &log, nil)
	defer srv.Close()
	dest := filepath.Join(t.TempDir(), "statements.jsonl")
	bad := append([]byte(nil), content...)
	bad[10] ^= 1 // same size, one bit off
	if err := os.WriteFile(dest, bad, 0o644); err != nil {
		t.Fatal(err)
	}
	req := Request{URL: srv.URL, Dest: dest, SHA256: sum(content), Size: int64(len(content))}
	if ok, _ := Complete(req, false); !ok {
		t.Error("Complete without checksum should accept a file of the right size")
	}
	if ok, _ := Complete(req, true); ok {
		t.Error("Complete with checksum accepted a corrupt file")
	}
	if err := Fetch(context.Background(), req, fastOpts()); err != nil {
		t.Fatal(err)
	}
	mustHold(t, dest, content)
}

func TestUnreachableServer(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL + "/f"
	srv.Close() // nothing listens there any more
	dest := filepath.Join(t.TempDir(), "f")
	opts := fastOpts()
	opts.Attempts = 2
	err := Fetch(context.Background(), Request{URL: url, Dest: dest}, opts)
	var ne *NetworkError
	if !errors.As(err, &ne) || !strings.Contains(err.Error(), url) || !strings.Contains(err.Error(), "pal data fetch test-set") {
		t.Fatalf("error %v, want a network error naming the URL and the rerun command", err)
	}
	mustNotExist(t, dest)
}

func TestFetchAllGoesOnAfterAFailure(t *testing.T) {
	content := fixture(t)
	var log requestLog
	srv := serve(content, &log, func(n int, w http.ResponseWriter, r *http.Request) bool {
		if strings.HasSuffix(r.URL.Path, "/missing") {
			http.NotFound(w, r)
			return true
		}
		return false
	})
	defer srv.Close()
	dir := t.TempDir()
	var reqs []Request
	for i := range 5 {
		reqs = append(reqs, Request{URL: fmt.Sprintf("%s/f%d", srv.URL, i), Dest: filepath.Join(dir, fmt.Sprintf("f%d.jsonl", i)), SHA256: sum(content), Size: int64(len(content))})
	}
	reqs = append(reqs, Request{URL: srv.URL + "/missing", Dest: filepath.Join(dir, "missing")})
	// One file is already there.
	if err := os.WriteFile(reqs[0].Dest, content, 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	meter := NewMeter(&out, false, "test-set", int64(5*len(content)), len(reqs))
	s, err := FetchAll(context.Background(), reqs, 3, fastOpts(), meter)
	meter.Finish()
	if err == nil || !strings.Contains(err.Error(), "/missing") {
		t.Fatalf("error %v, want the 404 of /missing", err)
	}
	if s.Fetched != 4 || s.Present != 1 || s.Failed != 1 || s.Bytes != int64(4*len(content)) {
		t.Errorf("summary %+v, want 4 fetched, 1 present, 1 failed, %d bytes", s, 4*len(content))
	}
	for _, r := range reqs[:5] {
		mustHold(t, r.Dest, content)
	}
	line := out.String()
	if strings.Contains(line, "\r") || !strings.Contains(line, "6/6 files") || !strings.Contains(line, "(100%)") {
		t.Errorf("log output %q: want one summary line with 6/6 files and 100%%, no \\r", line)
	}
}

func TestMeterDrawsOnTerminal(t *testing.T) {
	var out bytes.Buffer
	m := NewMeter(&out, true, "set", 2_000_000, 2)
	clock := m.start
	m.now = func() time.Time { return clock }
	clock = clock.Add(time.Second)
	m.Add(1_000_000)
	m.FileDone()
	m.Finish()
	lines := strings.Split(strings.TrimRight(out.String(), "\n"), "\r")
	last := lines[len(lines)-1]
	if want := "set: 1.0 MB of 2.0 MB (50%), 1/2 files, 1.0 MB/s"; strings.TrimSpace(last) != want {
		t.Errorf("last frame %q, want %q", last, want)
	}
}

func TestParseContentRange(t *testing.T) {
	for _, c := range []struct {
		in           string
		start, total int64
		ok           bool
	}{
		{"bytes 100-199/200", 100, 200, true},
		{"bytes 0-9/*", 0, -1, true},
		{"bytes */300", -1, 300, true},
		{"items 1-2/3", 0, 0, false},
		{"bytes x-1/2", 0, 0, false},
		{"", 0, 0, false},
	} {
		s, tot, ok := parseContentRange(c.in)
		if ok != c.ok || (ok && (s != c.start || tot != c.total)) {
			t.Errorf("parseContentRange(%q) = %d, %d, %v; want %d, %d, %v", c.in, s, tot, ok, c.start, c.total, c.ok)
		}
	}
}

func TestFormatBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 999: "999 B", 12_345: "12.3 kB", 47_000_000: "47.0 MB", 3_210_000_000: "3.21 GB"} {
		if got := FormatBytes(n); got != want {
			t.Errorf("FormatBytes(%d) = %q, want %q", n, got, want)
		}
	}
}

var _ io.Writer = (*fullDisk)(nil)
