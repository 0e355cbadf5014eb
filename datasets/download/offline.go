package download

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	neturl "net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// UnreachableError is a host that did not answer the one request FetchAll makes to it before
// fetching its files (its name does not resolve, nothing accepts the connection, no answer
// within Options.ProbeTimeout, a proxy that refuses): every file of that host fails with this
// one error, at once, instead of each file being tried with backoff.
type UnreachableError struct {
	Host  string // scheme://host[:port]
	Proxy string // the proxy the request went through, if any
	Files int    // files of this host that were not fetched
	Err   error
	Rerun string
	Hint  string // Options.OfflineHint
}

func (e *UnreachableError) Error() string {
	via := ""
	if e.Proxy != "" {
		via = " through the proxy " + e.Proxy
	}
	hint := ""
	if e.Hint != "" {
		hint = "; " + e.Hint
	}
	return fmt.Sprintf("cannot reach %s%s (%v): %d files not fetched. Is this machine offline? If it reaches the web through a proxy, set HTTPS_PROXY (and HTTP_PROXY) to it and run %s again%s",
		e.Host, via, e.Err, e.Files, quoteCmd(e.Rerun), hint)
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// hostOf is the scheme://host[:port] of an http(s) URL, "" for other URLs (file://).
func hostOf(raw string) string {
	u, err := neturl.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// hostProbes makes one request per host, the first time a file of that host needs it, and
// remembers the answer for the host's other files.
type hostProbes struct {
	ctx  context.Context
	opts Options
	mu   sync.Mutex
	by   map[string]*hostProbe
}

type hostProbe struct {
	once sync.Once
	err  *UnreachableError
}

// check returns the host's UnreachableError, or nil when it answered (or url is not HTTP).
func (h *hostProbes) check(url string) *UnreachableError {
	host := hostOf(url)
	if host == "" {
		return nil
	}
	h.mu.Lock()
	p := h.by[host]
	if p == nil {
		p = &hostProbe{}
		h.by[host] = p
	}
	h.mu.Unlock()
	p.once.Do(func() {
		if err := probe(h.ctx, h.opts, url); err != nil && h.ctx.Err() == nil {
			p.err = &UnreachableError{Host: host, Err: err, Rerun: h.opts.Rerun, Hint: h.opts.OfflineHint}
			if req, rerr := http.NewRequest(http.MethodHead, url, nil); rerr == nil {
				if proxy, perr := http.ProxyFromEnvironment(req); perr == nil && proxy != nil {
					p.err.Proxy = proxy.Redacted()
				}
			}
		}
	})
	return p.err
}

// probe asks the server of url for the file's headers (HEAD), once, within
// opts.ProbeTimeout. Any answer, even an error status or a redirect, means the host is
// reachable; only a failure to get an answer is returned.
func probe(ctx context.Context, opts Options, url string) error {
	pctx, cancel := context.WithTimeout(ctx, opts.ProbeTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(pctx, http.MethodHead, url, nil)
	if err != nil {
		return err
	}
	c := *opts.Client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Do(req)
	if err != nil {
		var ue *neturl.Error
		if errors.As(err, &ue) {
			err = ue.Err // its message repeats the method and the URL
		}
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
			err = fmt.Errorf("no answer within %s", opts.ProbeTimeout)
		}
		return err
	}
	resp.Body.Close()
	return nil
}

// MirrorURL is where a mirror holds file name (a catalog file name, "/"-separated) of data
// set set: <mirror>/<set>/<name>, the layout of a pal cache folder, so a copy of a cache
// (rsync -a ~/.cache/pal/ host:/srv/pal/) is a mirror. mirror is an http(s) base URL (any path
// prefix is kept), a file:// URL or a local folder (absolute, or relative to the current
// folder); a folder becomes a file:// URL, read like a static HTTP server.
func MirrorURL(mirror, set, name string) (string, error) {
	var segs []string
	for _, s := range append([]string{set}, strings.Split(name, "/")...) {
		segs = append(segs, neturl.PathEscape(s))
	}
	rel := strings.Join(segs, "/")
	switch {
	case strings.HasPrefix(mirror, "http://"), strings.HasPrefix(mirror, "https://"):
		u, err := neturl.Parse(mirror)
		if err != nil || u.Host == "" {
			return "", fmt.Errorf("mirror %q is not a valid URL: give http(s)://host[/path] or a folder", mirror)
		}
		return strings.TrimRight(mirror, "/") + "/" + rel, nil
	case strings.HasPrefix(mirror, "file://"):
		u, err := neturl.Parse(mirror)
		if err != nil || u.Path == "" {
			return "", fmt.Errorf("mirror %q is not a valid file URL: give file:///path or a folder", mirror)
		}
		mirror = u.Path
	case strings.Contains(mirror, "://"):
		return "", fmt.Errorf("mirror %q: only http://, https:// and file:// URLs or a local folder can be mirrors", mirror)
	}
	abs, err := filepath.Abs(mirror)
	if err != nil {
		return "", fmt.Errorf("mirror folder %s: %w", mirror, err)
	}
	u := neturl.URL{Scheme: "file", Path: filepath.ToSlash(abs)}
	return strings.TrimRight(u.String(), "/") + "/" + rel, nil
}

// CheckMirror checks, before anything is fetched, that a mirror given as a folder (or a
// file:// URL) is a folder that holds set; an http(s) mirror is probed like any host.
func CheckMirror(mirror, set string) error {
	if strings.HasPrefix(mirror, "http://") || strings.HasPrefix(mirror, "https://") {
		_, err := MirrorURL(mirror, set, "x")
		return err
	}
	u, err := MirrorURL(mirror, set, "")
	if err != nil {
		return err
	}
	pu, _ := neturl.Parse(u)
	dir := filepath.Clean(filepath.FromSlash(pu.Path))
	st, err := os.Stat(dir)
	switch {
	case err != nil:
		return fmt.Errorf("mirror folder %s: %v: a mirror holds each data set in a folder of its name (<mirror>/%s/<file>), as a pal cache folder does", filepath.Dir(dir), err, set)
	case !st.IsDir():
		return fmt.Errorf("mirror %s is not a folder", dir)
	}
	return nil
}
