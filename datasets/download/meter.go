package download

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Meter shows the progress of a download of several files: on a terminal one line redrawn with
// \r (bytes done and expected, files done, rate), at most ten times a second; elsewhere (a log,
// CI) whole lines at a bounded rate, since \r redraws turn logs into noise: one when files
// finish, at most one per LogEvery, and one every Heartbeat while nothing finishes, so a log
// is never silent for minutes; Finish writes the summary line. It is safe for concurrent use.
type Meter struct {
	w        io.Writer
	terminal bool
	label    string
	total    int64 // expected bytes; 0 when unknown
	files    int

	mu        sync.Mutex
	done      int64
	filesDone int
	start     time.Time
	lastDraw  time.Time // terminal: last redraw; log: last line written
	width     int
	now       func() time.Time
	stop      chan struct{} // ends the heartbeat goroutine (log mode)
	finished  bool
}

// In a log, the meter writes a line when files finish at most every LogEvery, and every
// Heartbeat when none does.
const (
	LogEvery  = 5 * time.Second
	Heartbeat = 30 * time.Second
)

// NewMeter returns a meter for files totalling totalBytes (0 if unknown), labelled label.
// w may be nil (silent). In a log (terminal false) it runs a goroutine for the heartbeat
// lines until Finish.
func NewMeter(w io.Writer, terminal bool, label string, totalBytes int64, files int) *Meter {
	m := newMeter(w, terminal, label, totalBytes, files)
	if w != nil && !terminal {
		m.stop = make(chan struct{})
		go func() {
			t := time.NewTicker(time.Second)
			defer t.Stop()
			for {
				select {
				case <-m.stop:
					return
				case <-t.C:
					m.tick()
				}
			}
		}()
	}
	return m
}

// newMeter is NewMeter without the heartbeat goroutine (tests call tick themselves).
func newMeter(w io.Writer, terminal bool, label string, totalBytes int64, files int) *Meter {
	now := time.Now()
	return &Meter{w: w, terminal: terminal, label: label, total: totalBytes, files: files, start: now, lastDraw: now, now: time.Now}
}

// tick writes the heartbeat line of a log when no line was written for Heartbeat.
func (m *Meter) tick() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.w == nil || m.terminal || m.finished {
		return
	}
	if now := m.now(); now.Sub(m.lastDraw) >= Heartbeat {
		m.logLine(now)
	}
}

// logLine writes the status as a line of a log.
func (m *Meter) logLine(now time.Time) {
	m.lastDraw = now
	fmt.Fprintln(m.w, m.line())
}

// Add counts n more bytes on disk (negative when a download restarts).
func (m *Meter) Add(n int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.done += n
	m.maybeDraw(false)
}

// FileDone counts one finished file (fetched, already present or failed).
func (m *Meter) FileDone() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.filesDone++
	if m.w != nil && !m.terminal && !m.finished && m.filesDone < m.files {
		if now := m.now(); now.Sub(m.lastDraw) >= LogEvery {
			m.logLine(now)
		}
		return
	}
	m.maybeDraw(false)
}

// Finish ends the display: the last state on a terminal, a summary line elsewhere.
func (m *Meter) Finish() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.stop != nil && !m.finished {
		close(m.stop)
	}
	if m.w == nil || m.finished {
		return
	}
	m.finished = true
	if m.terminal {
		m.maybeDraw(true)
		fmt.Fprintln(m.w)
		return
	}
	fmt.Fprintln(m.w, m.line())
}

func (m *Meter) maybeDraw(force bool) {
	if m.w == nil || !m.terminal {
		return
	}
	now := m.now()
	if !force && now.Sub(m.lastDraw) < 100*time.Millisecond {
		return
	}
	m.lastDraw = now
	l := m.line()
	pad := ""
	if m.width > len(l) {
		pad = strings.Repeat(" ", m.width-len(l))
	}
	m.width = len(l)
	fmt.Fprint(m.w, "\r"+l+pad)
}

// line is the status: "NAME: 12.3 MB of 47.0 MB (26%), 40/136 files, 3.1 MB/s".
func (m *Meter) line() string {
	var b strings.Builder
	if m.label != "" {
		b.WriteString(m.label + ": ")
	}
	b.WriteString(FormatBytes(m.done))
	if m.total > 0 {
		fmt.Fprintf(&b, " of %s (%d%%)", FormatBytes(m.total), int(100*float64(m.done)/float64(m.total)))
	}
	if m.files > 0 {
		fmt.Fprintf(&b, ", %d/%d files", m.filesDone, m.files)
	}
	if el := m.now().Sub(m.start).Seconds(); el > 0 {
		fmt.Fprintf(&b, ", %s/s", FormatBytes(int64(float64(m.done)/el)))
	}
	return b.String()
}

// FormatBytes writes a byte count with a decimal unit: 512 B, 12.3 kB, 47.0 MB, 3.21 GB.
func FormatBytes(n int64) string {
	neg := ""
	if n < 0 {
		neg, n = "-", -n
	}
	switch {
	case n < 1000:
		return fmt.Sprintf("%s%d B", neg, n)
	case n < 1000_000:
		return fmt.Sprintf("%s%.1f kB", neg, float64(n)/1e3)
	case n < 1000_000_000:
		return fmt.Sprintf("%s%.1f MB", neg, float64(n)/1e6)
	}
	return fmt.Sprintf("%s%.2f GB", neg, float64(n)/1e9)
}
