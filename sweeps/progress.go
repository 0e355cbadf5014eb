package sweeps

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/pal-harness/pal/sweeps/runstore"
)

// progress reports finished runs. On a terminal it redraws one status line (runs done/total,
// failures, elapsed, ETA), refreshed every second so a long run does not look stuck, with a
// permanent line for each failure; elsewhere (logs, CI) it writes one line per finished run,
// because \r redraws turn a log into noise.
type progress struct {
	w        io.Writer
	terminal bool
	total    int
	jobs     int
	start    time.Time

	mu        sync.Mutex
	done      int // skipped + finished
	ok        int
	failed    int
	ranWall   float64 // summed wall seconds of runs finished in this session
	ran       int
	lastWidth int

	stopTick chan struct{}
	ticking  sync.WaitGroup
}

func newProgress(opts Options, total, jobs int, start time.Time) *progress {
	return &progress{w: opts.Progress, terminal: opts.Terminal, total: total, jobs: jobs, start: start}
}

// note writes a line of its own.
func (p *progress) note(format string, args ...any) {
	if p.w == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clearLine()
	fmt.Fprintf(p.w, format+"\n", args...)
}

// begin counts skipped runs as done and starts the redraw ticker on a terminal.
func (p *progress) begin(skipped int) {
	p.mu.Lock()
	p.done = skipped
	p.mu.Unlock()
	if p.w == nil {
		return
	}
	if skipped > 0 {
		p.note("skipping %d complete runs", skipped)
	}
	if p.terminal {
		p.mu.Lock()
		p.redraw()
		p.mu.Unlock()
		p.stopTick = make(chan struct{})
		p.ticking.Add(1)
		go func() {
			defer p.ticking.Done()
			t := time.NewTicker(time.Second)
			defer t.Stop()
			for {
				select {
				case <-p.stopTick:
					return
				case <-t.C:
					p.mu.Lock()
					p.redraw()
					p.mu.Unlock()
				}
			}
		}()
	}
}

// finished records one run that ended with a result (ok or failed).
func (p *progress) finished(r *Run, res *runstore.Result) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done++
	p.ran++
	p.ranWall += res.WallSeconds
	if res.Status == runstore.StatusOK {
		p.ok++
	} else {
		p.failed++
	}
	if p.w == nil {
		return
	}
	wall := time.Duration(res.WallSeconds * float64(time.Second))
	if p.terminal {
		if res.Status != runstore.StatusOK {
			p.clearLine()
			fmt.Fprintf(p.w, "FAILED  %s  (%s): %s\n", r.Label(), fmtRunTime(wall), runstore.FirstLine(res.Error))
		}
		p.redraw()
		return
	}
	if res.Status == runstore.StatusOK {
		fmt.Fprintf(p.w, "[%d/%d] ok  %s  (%s)\n", p.done, p.total, r.Label(), fmtRunTime(wall))
	} else {
		fmt.Fprintf(p.w, "[%d/%d] FAILED  %s  (%s): %s\n", p.done, p.total, r.Label(), fmtRunTime(wall), runstore.FirstLine(res.Error))
	}
}

func (p *progress) counts() (ok, failed int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.ok, p.failed
}

// end stops the ticker and writes the summary line.
func (p *progress) end(s Summary) {
	if p.stopTick != nil {
		close(p.stopTick)
		p.ticking.Wait()
	}
	if p.w == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.terminal {
		p.redraw()
		fmt.Fprintln(p.w)
		p.lastWidth = 0
	}
	fmt.Fprintf(p.w, "%d runs in %s: %d ok, %d failed, %d skipped (complete before)",
		s.Total, fmtClock(s.Elapsed), s.Succeeded, s.Failed, s.Skipped)
	if s.Canceled > 0 {
		fmt.Fprintf(p.w, ", %d not done (interrupted; rerun to complete them)", s.Canceled)
	}
	fmt.Fprintln(p.w)
}

// redraw writes the status line; callers hold mu.
func (p *progress) redraw() {
	line := fmt.Sprintf("[%d/%d]", p.done, p.total)
	if p.failed > 0 {
		line += fmt.Sprintf(" %d failed", p.failed)
	}
	line += "  elapsed " + fmtClock(time.Since(p.start))
	line += "  ETA " + p.eta()
	pad := ""
	if n := p.lastWidth - len(line); n > 0 {
		pad = strings.Repeat(" ", n)
	}
	fmt.Fprintf(p.w, "\r%s%s", line, pad)
	p.lastWidth = len(line)
}

// clearLine blanks the status line so a permanent line can be written; callers hold mu.
func (p *progress) clearLine() {
	if p.terminal && p.lastWidth > 0 {
		fmt.Fprintf(p.w, "\r%s\r", strings.Repeat(" ", p.lastWidth))
		p.lastWidth = 0
	}
}

// eta estimates the time left from the mean wall time of the runs finished in this session and
// the number running at once; callers hold mu.
func (p *progress) eta() string {
	left := p.total - p.done
	if left == 0 {
		return "0s"
	}
	if p.ran == 0 {
		return "--"
	}
	par := min(p.jobs, left)
	secs := p.ranWall / float64(p.ran) * float64(left) / float64(par)
	return fmtClock(time.Duration(secs * float64(time.Second)))
}

// fmtClock writes a duration as 45s, 1m02s or 2h03m04s.
func fmtClock(d time.Duration) string {
	s := int64(d.Round(time.Second) / time.Second)
	h, m := s/3600, s/60%60
	s %= 60
	switch {
	case h > 0:
		return fmt.Sprintf("%dh%02dm%02ds", h, m, s)
	case m > 0:
		return fmt.Sprintf("%dm%02ds", m, s)
	}
	return fmt.Sprintf("%ds", s)
}

// fmtRunTime writes one run's wall time: 0.3s, 12.4s, then as fmtClock from a minute on.
func fmtRunTime(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("%.1fs", d.Seconds())
	}
	return fmtClock(d)
}
