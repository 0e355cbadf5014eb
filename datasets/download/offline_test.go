package download

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// closedPort is a local address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// TestFetchAllFailsFastWhenHostUnreachable: with the host of every file unresolvable (or a
// port nothing listens on), FetchAll tries it once and fails each host's files together with
// one error naming the host and the options, instead of 4 attempts with backoff per file and
// one line per file (238 s and 136 lines for the Persona data set offline).
func TestFetchAllFailsFastWhenHostUnreachable(t *testing.T) {
	dir := t.TempDir()
	var reqs []Request
	hosts := []string{"nonexistent.invalid", closedPort(t)}
	for _, host := range hosts {
		for i := range 12 {
			reqs = append(reqs, Request{URL: fmt.Sprintf("http://%s/f%d", host, i), Dest: filepath.Join(dir, fmt.Sprintf("%s-%d", host, i))})
		}
	}
	var log bytes.Buffer
	meter := NewMeter(&log, false, "offline", 0, len(reqs))
	// The default options: 4 attempts with 1 s, 2 s and 4 s between them.
	s, err := FetchAll(context.Background(), reqs, 4, Options{Rerun: "pal data fetch offline", OfflineHint: "or use --mirror DIR"}, meter)
	meter.Finish()
	if s.Failed != len(reqs) || s.Fetched != 0 {
		t.Errorf("summary %+v, want all %d failed", s, len(reqs))
	}
	errs := err.(interface{ Unwrap() []error }).Unwrap()
	if len(errs) != len(hosts) {
		t.Fatalf("%d errors, want one per host:\n%v", len(errs), err)
	}
	for i, e := range errs {
		var ue *UnreachableError
		if !errors.As(e, &ue) {
			t.Fatalf("error %v is not an UnreachableError", e)
		}
		msg := e.Error()
		for _, want := range []string{hosts[i], "12 files not fetched", "HTTPS_PROXY", "or use --mirror DIR"} {
			if !strings.Contains(msg, want) {
				t.Errorf("error %q does not mention %q", msg, want)
			}
		}
		if strings.Contains(msg, "\n") {
			t.Errorf("error %q is not one line", msg)
		}
	}
	for _, r := range reqs {
		mustNotExist(t, r.Dest+PartSuffix)
	}
}

// TestFetchFromLocalMirror: a file:// URL (what a local mirror folder gives) is fetched through
// the same verified path as HTTP, Range and checksums included.
func TestFetchFromLocalMirror(t *testing.T) {
	content := fixture(t)
	mirror := t.TempDir()
	if err := os.MkdirAll(filepath.Join(mirror, "set", "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(mirror, "set", "sub", "a b.jsonl"), content, 0o644); err != nil {
		t.Fatal(err)
	}
	url, err := MirrorURL(mirror, "set", "sub/a b.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	dest := filepath.Join(t.TempDir(), "a b.jsonl")
	// Half the file is already there: the rest is read from the mirror.
	if err := os.WriteFile(dest+PartSuffix, content[:len(content)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Fetch(context.Background(), Request{URL: url, Dest: dest, SHA256: sum(content), Size: int64(len(content))}, fastOpts()); err != nil {
		t.Fatal(err)
	}
	mustHold(t, dest, content)
	// A wrong pin is still caught, and a missing file names the mirror layout.
	dest2 := filepath.Join(t.TempDir(), "x")
	err = Fetch(context.Background(), Request{URL: url, Dest: dest2, SHA256: strings.Repeat("0", 64)}, fastOpts())
	var ce *ChecksumError
	if !errors.As(err, &ce) {
		t.Errorf("wrong pin: %v", err)
	}
	missing, _ := MirrorURL(mirror, "set", "nope.jsonl")
	opts := fastOpts()
	opts.Mirror = mirror
	err = Fetch(context.Background(), Request{URL: missing, Dest: dest2}, opts)
	if err == nil || !strings.Contains(err.Error(), "set/nope.jsonl") || !strings.Contains(err.Error(), "<mirror>/<data set>/<file>") {
		t.Errorf("missing file in the mirror: %v", err)
	}
}

func TestMirrorURL(t *testing.T) {
	for _, c := range []struct{ mirror, want string }{
		{"https://mirror.example/pal/", "https://mirror.example/pal/persona-in-pal-k2/k-2_seen/train/0.parquet"},
		{"http://10.0.0.5:8080", "http://10.0.0.5:8080/persona-in-pal-k2/k-2_seen/train/0.parquet"},
		{"/srv/pal mirror", "file:///srv/pal%20mirror/persona-in-pal-k2/k-2_seen/train/0.parquet"},
		{"file:///srv/m", "file:///srv/m/persona-in-pal-k2/k-2_seen/train/0.parquet"},
	} {
		got, err := MirrorURL(c.mirror, "persona-in-pal-k2", "k-2_seen/train/0.parquet")
		if err != nil || got != c.want {
			t.Errorf("MirrorURL(%q) = %q, %v; want %q", c.mirror, got, err, c.want)
		}
	}
	for _, bad := range []string{"ftp://x/y", "https://", "relative/../.."} {
		if _, err := MirrorURL(bad, "s", "f"); err == nil && bad != "relative/../.." {
			t.Errorf("MirrorURL(%q): no error", bad)
		}
	}
}

// TestMeterLogsAtABoundedRate: in a log the meter writes a line when files finish, at most one
// per LogEvery, and one every Heartbeat while nothing finishes, never silence for minutes.
func TestMeterLogsAtABoundedRate(t *testing.T) {
	var out bytes.Buffer
	m := newMeter(&out, false, "set", 136_000, 136)
	clock := m.start
	m.now = func() time.Time { return clock }
	for range 136 { // 136 files in 13.6 s: one line per LogEvery (5 s), not 136
		clock = clock.Add(100 * time.Millisecond)
		m.Add(1000)
		m.FileDone()
	}
	lines := strings.Count(out.String(), "\n")
	if lines < 2 || lines > 3 {
		t.Errorf("%d lines for 136 files over 13.6 s:\n%s", lines, out.String())
	}
	// Nothing finishes for a minute: the heartbeat writes a line every 30 s.
	out.Reset()
	for range 60 {
		clock = clock.Add(time.Second)
		m.tick()
	}
	if n := strings.Count(out.String(), "\n"); n != 2 || !strings.Contains(out.String(), "136/136 files") {
		t.Errorf("a silent minute gave %d lines, want 2:\n%s", n, out.String())
	}
}
