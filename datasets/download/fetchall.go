package download

import (
	"context"
	"errors"
	"fmt"

	"golang.org/x/sync/errgroup"
)

// Summary counts what FetchAll did.
type Summary struct {
	Fetched int   // files downloaded (or completed from a .part) in this call
	Present int   // files that were already complete and verified
	Failed  int   // files that could not be fetched
	Bytes   int64 // bytes of the files fetched in this call
}

// FetchAll fetches every request, at most jobs at once (jobs < 1 means 4). A failure of one
// file does not stop the others; the error joins every file's error in request order. meter,
// when not nil, is told of every byte and every finished file; opts.Progress is ignored in
// favour of it.
//
// Before the first file of a host is fetched, the host is asked once for that file's headers
// (within Options.ProbeTimeout): when it cannot be reached (its name does not resolve, nothing
// accepts the connection, no answer), every file of that host fails at once with one
// *UnreachableError, which appears once in the joined error, instead of each file being tried
// Options.Attempts times with backoff.
func FetchAll(ctx context.Context, reqs []Request, jobs int, opts Options, meter *Meter) (Summary, error) {
	if jobs < 1 {
		jobs = 4
	}
	opts = opts.withDefaults()
	probes := &hostProbes{ctx: ctx, opts: opts, by: map[string]*hostProbe{}}
	if meter != nil {
		opts.Progress = meter.Add
	} else {
		opts.Progress = nil
	}
	errs := make([]error, len(reqs))
	present := make([]bool, len(reqs))
	var g errgroup.Group
	g.SetLimit(jobs)
	for i, req := range reqs {
		if ctx.Err() != nil {
			errs[i] = ctx.Err()
			continue
		}
		g.Go(func() error {
			ok, err := Complete(req, true)
			switch {
			case err != nil:
				errs[i] = fmt.Errorf("checking %s: %w", req.Dest, err)
			case ok:
				present[i] = true
				if meter != nil {
					meter.Add(req.Size)
				}
			default:
				if ue := probes.check(req.URL); ue != nil {
					errs[i] = ue
				} else {
					errs[i] = Fetch(ctx, req, opts)
				}
			}
			if meter != nil {
				meter.FileDone()
			}
			return nil
		})
	}
	g.Wait()
	var sum Summary
	for i, req := range reqs {
		switch {
		case errs[i] != nil:
			sum.Failed++
		case present[i]:
			sum.Present++
		default:
			sum.Fetched++
			sum.Bytes += sizeOf(req.Dest)
		}
	}
	if ctx.Err() != nil {
		return sum, fmt.Errorf("interrupted: %d of %d files not fetched (partial files are kept; fetch again to resume): %w", sum.Failed, len(reqs), ctx.Err())
	}
	// An unreachable host is one error, however many files it holds.
	var out []error
	seen := map[*UnreachableError]bool{}
	for _, err := range errs {
		ue, ok := err.(*UnreachableError)
		if ok {
			ue.Files++
			if seen[ue] {
				continue
			}
			seen[ue] = true
		}
		out = append(out, err)
	}
	return sum, errors.Join(out...)
}
