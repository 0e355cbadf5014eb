package download

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	neturl "net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Request is one file to fetch.
type Request struct {
	URL    string
	Dest   string // final path; the download is written to Dest + ".part" first
	SHA256 string // hex digest the file must have; "" when the source is not pinned
	Size   int64  // bytes the file must have; 0 when unknown
}

// PartSuffix is appended to Request.Dest while a download is incomplete.
const PartSuffix = ".part"

// File is what a download writes through: *os.File satisfies it. Options.OpenFile may return
// another implementation, which is how tests inject a full disk.
type File interface {
	io.Writer
	Sync() error
	Close() error
}

// Options controls Fetch. The zero value is usable.
type Options struct {
	// Client makes the requests; nil means a client with a 60 s response-header timeout and no
	// overall timeout (large files take long).
	Client *http.Client
	// Attempts is how many times a transient failure (a network error, HTTP 429 or 5xx) is tried
	// before giving up; 0 means 4.
	Attempts int
	// Backoff is the delay before the first retry, doubled for each further one; 0 means 1 s.
	Backoff time.Duration
	// StallTimeout aborts an attempt (to be retried) when no byte arrives for this long; 0 means
	// 60 s.
	StallTimeout time.Duration
	// Progress, when set, is called with the number of bytes added to (or, when a download
	// restarts from zero, removed from) the file on disk. It must be safe for concurrent use
	// when FetchAll fetches several files at once.
	Progress func(delta int64)
	// OpenFile opens the .part file; nil means os.OpenFile.
	OpenFile func(name string, flag int, perm os.FileMode) (File, error)
	// Rerun is the command that resumes the download, named in error messages, e.g.
	// "pal data fetch anthropic-persona"; "" means "the same fetch".
	Rerun string
	// ProbeTimeout bounds the one request FetchAll makes to each host before fetching its files
	// (see FetchAll); 0 means 15 s.
	ProbeTimeout time.Duration
	// OfflineHint ends the message of an UnreachableError: what else the user can do, e.g. "or
	// fetch from a copy of the data with --mirror".
	OfflineHint string
	// Mirror, when the URLs point into a mirror (MirrorURL), names it in the message for a
	// file the mirror does not have.
	Mirror string
}

func (o Options) withDefaults() Options {
	if o.Client == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.ResponseHeaderTimeout = 60 * time.Second
		o.Client = &http.Client{Transport: t}
	}
	if o.Attempts <= 0 {
		o.Attempts = 4
	}
	if o.Backoff <= 0 {
		o.Backoff = time.Second
	}
	if o.StallTimeout <= 0 {
		o.StallTimeout = 60 * time.Second
	}
	if o.OpenFile == nil {
		o.OpenFile = func(name string, flag int, perm os.FileMode) (File, error) {
			return os.OpenFile(name, flag, perm)
		}
	}
	if o.Rerun == "" {
		o.Rerun = "the same fetch"
	}
	if o.ProbeTimeout <= 0 {
		o.ProbeTimeout = 15 * time.Second
	}
	return o
}

// fileClient reads file:// URLs (a mirror folder, MirrorURL) with the same Range and status
// semantics as a static HTTP server, so local copies go through the same verified path.
var fileClient = &http.Client{Transport: http.NewFileTransport(http.Dir("/"))}

// clientFor is the client that fetches url: opts.Client, or fileClient for file:// URLs.
func clientFor(url string, opts Options) *http.Client {
	if strings.HasPrefix(url, "file://") {
		return fileClient
	}
	return opts.Client
}

// HTTPError is an answer whose status is not a success.
type HTTPError struct {
	URL      string
	Status   int
	Attempts int    // attempts made (more than 1 when the status was retried)
	Mirror   string // the mirror the URL points into (Options.Mirror), if any
}

func (e *HTTPError) Error() string {
	text := http.StatusText(e.Status)
	switch {
	case e.Mirror != "" && (e.Status == http.StatusNotFound || e.Status == http.StatusGone):
		return fmt.Sprintf("GET %s: HTTP %d %s: the mirror %s has no such file: a mirror holds each file at <mirror>/<data set>/<file>, as a pal cache folder does (copy or rsync a cache that holds the data set there)", e.URL, e.Status, text, e.Mirror)
	case e.Status == http.StatusNotFound || e.Status == http.StatusGone:
		return fmt.Sprintf("GET %s: HTTP %d %s: there is no file at this address (the source may have moved; the catalog entry's URL needs updating)", e.URL, e.Status, text)
	case e.Attempts > 1:
		return fmt.Sprintf("GET %s: HTTP %d %s after %d attempts: the server is failing; try again later", e.URL, e.Status, text, e.Attempts)
	}
	return fmt.Sprintf("GET %s: HTTP %d %s", e.URL, e.Status, text)
}

func (e *HTTPError) temporary() bool {
	return e.Status == http.StatusTooManyRequests || e.Status >= 500
}

// NetworkError is a transport failure that persisted over every attempt. The bytes received are
// kept in the .part file, so rerunning the fetch resumes.
type NetworkError struct {
	URL      string
	Attempts int
	Part     string // the kept partial file
	Kept     int64  // its size
	Rerun    string
	Err      error
}

func (e *NetworkError) Error() string {
	if e.Kept == 0 {
		return fmt.Sprintf("network failure downloading %s (%d attempts): %v; check the connection and run %s again",
			e.URL, e.Attempts, e.Err, quoteCmd(e.Rerun))
	}
	return fmt.Sprintf("network failure downloading %s (%d attempts): %v; the %d bytes received are kept in %s: run %s again to resume",
		e.URL, e.Attempts, e.Err, e.Kept, e.Part, quoteCmd(e.Rerun))
}

func (e *NetworkError) Unwrap() error { return e.Err }

// ChecksumError is a complete download whose sha256 is not the pinned one. The file was deleted.
type ChecksumError struct {
	URL, Path string
	Want, Got string
}

func (e *ChecksumError) Error() string {
	return fmt.Sprintf("checksum mismatch for %s: want sha256 %s, got %s; the download was deleted. Fetch again; if it repeats, the file at the source changed and the pinned checksum is out of date",
		e.URL, e.Want, e.Got)
}

// SizeError is a download whose length is not the pinned size. The file was deleted.
type SizeError struct {
	URL       string
	Want, Got int64
}

func (e *SizeError) Error() string {
	return fmt.Sprintf("size mismatch for %s: want %d bytes, the server has %d; the download was deleted (the file at the source differs from the pinned one)",
		e.URL, e.Want, e.Got)
}

// DiskFullError is a write that failed with ENOSPC. The partial file was deleted to give the
// space back.
type DiskFullError struct {
	Path    string
	Dir     string
	Need    int64 // bytes the whole file needs; 0 when unknown
	Written int64 // bytes written before the disk filled
	Rerun   string
	Err     error
}

func (e *DiskFullError) Error() string {
	need := "more space than is free"
	if e.Need > 0 {
		need = fmt.Sprintf("%d bytes (%s)", e.Need, FormatBytes(e.Need))
	}
	return fmt.Sprintf("disk full writing %s: the file needs %s in %s and the disk filled after %d bytes; the partial file was deleted. Free that much space in %s (or choose another cache folder with --cache or PAL_CACHE) and run %s again",
		e.Path, need, e.Dir, e.Written, e.Dir, quoteCmd(e.Rerun))
}

func (e *DiskFullError) Unwrap() error { return e.Err }

func quoteCmd(c string) string {
	if strings.HasPrefix(c, "pal ") {
		return "`" + c + "`"
	}
	return c
}

// Complete reports whether req.Dest holds the whole file: it exists with the pinned size and,
// when verifySum is set and a checksum is pinned, the pinned sha256 (which reads the file).
func Complete(req Request, verifySum bool) (bool, error) {
	st, err := os.Stat(req.Dest)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if !st.Mode().IsRegular() || (req.Size > 0 && st.Size() != req.Size) {
		return false, nil
	}
	if !verifySum || req.SHA256 == "" {
		return true, nil
	}
	sum, err := fileSHA256(req.Dest)
	if err != nil {
		return false, err
	}
	return strings.EqualFold(sum, req.SHA256), nil
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("reading %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Fetch downloads req.URL to req.Dest unless req.Dest is already complete and verified. It
// writes req.Dest+".part", resuming a .part left by an earlier attempt with a Range request,
// verifies size and checksum, fsyncs and renames. See the package documentation for what is
// kept after each kind of failure.
func Fetch(ctx context.Context, req Request, opts Options) error {
	if req.URL == "" || req.Dest == "" {
		return fmt.Errorf("download: request needs a URL and a destination (have %q, %q)", req.URL, req.Dest)
	}
	opts = opts.withDefaults()
	if ok, err := Complete(req, true); err != nil {
		return err
	} else if ok {
		return nil
	}
	// A file under the final name that is not whole (an older version, a copy gone wrong) is
	// replaced; the final name must only ever hold a verified file.
	if err := os.Remove(req.Dest); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("removing incomplete %s: %w", req.Dest, err)
	}
	dir := filepath.Dir(req.Dest)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating cache folder %s: %w", dir, err)
	}
	part := req.Dest + PartSuffix
	prog := &fileProgress{fn: opts.Progress}
	var last error
	for attempt := 1; attempt <= opts.Attempts; attempt++ {
		if attempt > 1 {
			if err := sleep(ctx, opts.Backoff<<(attempt-2)); err != nil {
				return interrupted(req, part, err)
			}
		}
		sum, size, err := fetchOnce(ctx, req, part, opts, prog)
		if err == nil {
			return finish(req, part, dir, sum, size)
		}
		if ctx.Err() != nil {
			return interrupted(req, part, ctx.Err())
		}
		var he *HTTPError
		switch {
		case errors.As(err, &he):
			he.Attempts = attempt
			if !he.temporary() {
				os.Remove(part)
				return err
			}
		case isRetryable(err):
		default:
			return err
		}
		last = err
	}
	var he *HTTPError
	if errors.As(last, &he) {
		return he // a 5xx or 429 to the end; the partial file, if any, is kept for a later resume
	}
	return &NetworkError{URL: req.URL, Attempts: opts.Attempts, Part: part, Kept: sizeOf(part), Rerun: opts.Rerun, Err: last}
}

func sizeOf(path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return st.Size()
}

func interrupted(req Request, part string, err error) error {
	return fmt.Errorf("download of %s interrupted (%d bytes kept in %s; fetch again to resume): %w", req.URL, sizeOf(part), part, err)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// finish checks a complete .part file and moves it to its final name.
func finish(req Request, part, dir string, sum []byte, size int64) error {
	if req.Size > 0 && size != req.Size {
		os.Remove(part)
		return &SizeError{URL: req.URL, Want: req.Size, Got: size}
	}
	got := hex.EncodeToString(sum)
	if req.SHA256 != "" && !strings.EqualFold(got, req.SHA256) {
		os.Remove(part)
		return &ChecksumError{URL: req.URL, Path: req.Dest, Want: strings.ToLower(req.SHA256), Got: got}
	}
	if err := os.Rename(part, req.Dest); err != nil {
		return fmt.Errorf("moving %s into place: %w", part, err)
	}
	if d, err := os.Open(dir); err == nil { // make the rename durable
		d.Sync()
		d.Close()
	}
	return nil
}

// errRetry marks failures worth another attempt.
type retryError struct{ err error }

func (e *retryError) Error() string { return e.err.Error() }
func (e *retryError) Unwrap() error { return e.err }

func retry(format string, args ...any) error { return &retryError{fmt.Errorf(format, args...)} }

func isRetryable(err error) bool {
	var r *retryError
	return errors.As(err, &r)
}

// writeError wraps a failure of the file, to tell it from a failure of the connection.
type writeError struct{ err error }

func (e *writeError) Error() string { return e.err.Error() }
func (e *writeError) Unwrap() error { return e.err }

var errStalled = errors.New("no data received within the stall timeout")

// fileProgress turns absolute sizes into the deltas Options.Progress wants.
type fileProgress struct {
	fn       func(int64)
	reported int64
}

func (p *fileProgress) set(n int64) {
	if p.fn != nil && n != p.reported {
		p.fn(n - p.reported)
	}
	p.reported = n
}

// fetchOnce makes one attempt. On success the .part file holds the whole file, synced and
// closed, and sum is its sha256.
func fetchOnce(ctx context.Context, req Request, part string, opts Options, prog *fileProgress) (sum []byte, size int64, err error) {
	h := sha256.New()
	offset := sizeOf(part)
	if req.Size > 0 && offset > req.Size {
		os.Remove(part) // longer than the file can be: not a prefix of it
		offset = 0
	}
	if offset > 0 {
		f, err := os.Open(part)
		if err != nil {
			return nil, 0, fmt.Errorf("reading partial file %s: %w", part, err)
		}
		n, err := io.CopyN(h, f, offset)
		f.Close()
		if err != nil {
			return nil, 0, fmt.Errorf("reading partial file %s: %w", part, err)
		}
		offset = n
	}
	prog.set(offset)
	if req.Size > 0 && offset == req.Size {
		return h.Sum(nil), offset, nil // a previous attempt got every byte
	}

	actx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stall := time.AfterFunc(opts.StallTimeout, func() { cancel(errStalled) })
	defer stall.Stop()
	hreq, err := http.NewRequestWithContext(actx, http.MethodGet, req.URL, nil)
	if err != nil {
		return nil, 0, fmt.Errorf("download: bad URL %q: %w", req.URL, err)
	}
	if offset > 0 {
		hreq.Header.Set("Range", fmt.Sprintf("bytes=%d-", offset))
	}
	resp, err := clientFor(req.URL, opts).Do(hreq)
	if err != nil {
		return nil, 0, transportError(actx, req.URL, err)
	}
	defer resp.Body.Close()

	flag := os.O_WRONLY | os.O_CREATE
	total := int64(-1) // length of the whole file when the answer says
	switch {
	case resp.StatusCode == http.StatusPartialContent && offset > 0:
		start, tot, ok := parseContentRange(resp.Header.Get("Content-Range"))
		if !ok || start != offset {
			os.Remove(part)
			prog.set(0)
			return nil, 0, retry("GET %s: asked for bytes from %d, got Content-Range %q: starting over", req.URL, offset, resp.Header.Get("Content-Range"))
		}
		flag |= os.O_APPEND
		total = tot
	case resp.StatusCode == http.StatusOK:
		if offset > 0 { // the server ignored Range: the body is the whole file
			h.Reset()
			offset = 0
			prog.set(0)
		}
		flag |= os.O_TRUNC
		total = resp.ContentLength
	case resp.StatusCode == http.StatusRequestedRangeNotSatisfiable && offset > 0:
		if _, tot, ok := parseContentRange(resp.Header.Get("Content-Range")); ok && tot == offset {
			return h.Sum(nil), offset, nil // the part already held every byte
		}
		os.Remove(part)
		prog.set(0)
		return nil, 0, retry("GET %s: the server refused to resume at byte %d: starting over", req.URL, offset)
	default:
		io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		return nil, 0, &HTTPError{URL: req.URL, Status: resp.StatusCode, Mirror: opts.Mirror}
	}
	if req.Size > 0 && total >= 0 && total != req.Size {
		os.Remove(part)
		prog.set(0)
		return nil, 0, &SizeError{URL: req.URL, Want: req.Size, Got: total}
	}
	need := req.Size
	if need <= 0 && total > 0 {
		need = total
	}

	f, err := opts.OpenFile(part, flag, 0o644)
	if err != nil {
		if errors.Is(err, syscall.ENOSPC) {
			return nil, 0, &DiskFullError{Path: req.Dest, Dir: filepath.Dir(req.Dest), Need: need, Rerun: opts.Rerun, Err: err}
		}
		return nil, 0, fmt.Errorf("opening %s: %w", part, err)
	}
	w := &sink{f: f, h: h, written: offset, prog: prog, stall: stall, timeout: opts.StallTimeout}
	_, copyErr := io.Copy(w, resp.Body)
	if copyErr == nil {
		copyErr = f.Sync()
		if copyErr != nil {
			copyErr = &writeError{copyErr}
		}
	}
	if cerr := f.Close(); copyErr == nil && cerr != nil {
		copyErr = &writeError{cerr}
	}
	if copyErr != nil {
		var we *writeError
		switch {
		case errors.Is(copyErr, syscall.ENOSPC):
			os.Remove(part)
			prog.set(0)
			return nil, 0, &DiskFullError{Path: req.Dest, Dir: filepath.Dir(req.Dest), Need: need, Written: w.written, Rerun: opts.Rerun, Err: copyErr}
		case errors.As(copyErr, &we):
			return nil, 0, fmt.Errorf("writing %s: %w", part, we.err)
		}
		return nil, 0, transportError(actx, req.URL, copyErr)
	}
	if total >= 0 && w.written != total {
		return nil, 0, retry("GET %s: the connection ended after %d of %d bytes", req.URL, w.written, total)
	}
	return h.Sum(nil), w.written, nil
}

// transportError classifies a failure of the request or the body: retryable unless the
// parent context was canceled (the caller checks that) or the address cannot work at all.
func transportError(actx context.Context, url string, err error) error {
	var ue *neturl.Error
	if errors.As(err, &ue) {
		err = ue.Err // its message repeats the method and the URL
	}
	if errors.Is(context.Cause(actx), errStalled) {
		return retry("GET %s: %v", url, errStalled)
	}
	var dns *net.DNSError
	if errors.As(err, &dns) && dns.IsNotFound {
		return &retryError{fmt.Errorf("GET %s: host not found (is the machine offline?): %w", url, err)}
	}
	return retry("GET %s: %w", url, err)
}

// sink writes the body to the file and the hash, reporting progress and resetting the stall timer.
type sink struct {
	f       File
	h       io.Writer
	written int64
	prog    *fileProgress
	stall   *time.Timer
	timeout time.Duration
}

func (s *sink) Write(p []byte) (int, error) {
	s.stall.Reset(s.timeout)
	n, err := s.f.Write(p)
	s.h.Write(p[:n])
	s.written += int64(n)
	s.prog.set(s.written)
	if err != nil {
		return n, &writeError{err}
	}
	if n < len(p) {
		return n, &writeError{io.ErrShortWrite}
	}
	return n, nil
}

// parseContentRange reads "bytes START-END/TOTAL" or "bytes */TOTAL"; total is -1 when "*".
func parseContentRange(s string) (start, total int64, ok bool) {
	s, found := strings.CutPrefix(strings.TrimSpace(s), "bytes ")
	if !found {
		return 0, 0, false
	}
	rng, tot, found := strings.Cut(s, "/")
	if !found {
		return 0, 0, false
	}
	total = -1
	if tot != "*" {
		t, err := strconv.ParseInt(tot, 10, 64)
		if err != nil {
			return 0, 0, false
		}
		total = t
	}
	if rng == "*" {
		return -1, total, true
	}
	a, _, found := strings.Cut(rng, "-")
	if !found {
		return 0, 0, false
	}
	st, err := strconv.ParseInt(a, 10, 64)
	if err != nil {
		return 0, 0, false
	}
	return st, total, true
}
