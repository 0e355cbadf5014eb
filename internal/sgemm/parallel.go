package sgemm

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// maxWorkers caps SetThreads.
const maxWorkers = 64

// minWorkPerThread is the number of multiply-adds (m*n*k) below which an
// extra goroutine does not pay for its hand-off cost. Measured in the models'
// training steps, not on products alone: at 1 << 19 the small steps
// (768 x 64 x 64 products, 3.1 M multiply-adds) ran 10-20% slower on two
// threads than on one, because the element-wise work that follows a product
// then reads a result half of which sits in the other core's cache.
var minWorkPerThread = 1 << 21

// chooseThreads returns how many goroutines to use for an m x n x k product.
func chooseThreads(kern *kernel, m, n, k int) int {
	nt := maxThreads()
	if nt <= 1 {
		return 1
	}
	work := m * n * k
	nt = min(nt, max(1, work/minWorkPerThread))
	// Never more threads than tiles along the dimension that is split.
	tm, tn := (m+kern.mr-1)/kern.mr, (n+kern.nr-1)/kern.nr
	return min(nt, max(tm, tn))
}

// Job states. A job is handed to a worker through workCh, but whoever
// first moves it from jobPending to jobTaken/jobStolen runs it: the caller,
// once done with its own part, runs any part no worker has started yet, so
// a descheduled worker (a busy machine) cannot make the call wait.
const (
	jobPending int32 = iota
	jobTaken         // run by a worker, which then signals done
	jobStolen        // run by the caller
	jobIdle          // not part of a running call
)

// job is one goroutine's share: rows [i0, i1) x columns [j0, j1) of C.
type job struct {
	state          atomic.Int32
	kern           *kernel
	p              *params
	i0, i1, j0, j1 int
	done           chan struct{} // a worker that ran the job sends here
}

func (j *job) run() {
	ws := j.kern.getWorkspace()
	ws.gemm(j.kern, j.p, j.i0, j.i1, j.j0, j.j1)
	j.kern.putWorkspace(ws)
}

// call is the per-call state of a parallel Gemm, pooled so that a call
// allocates nothing in the steady state. A worker may still hold a pointer
// to a job of a finished call (it lost the race to the caller); the job
// states make that harmless: it can only ever run a job that is pending
// in the call that currently owns the struct, and then signals that call.
type call struct {
	p    params
	done chan struct{}
	jobs [maxWorkers]job
}

var callPool = sync.Pool{New: func() any {
	cl := &call{done: make(chan struct{}, maxWorkers)}
	for i := range cl.jobs {
		cl.jobs[i].state.Store(jobIdle)
	}
	return cl
}}

// A fixed set of long-lived worker goroutines take jobs from workCh:
// starting goroutines per call would cost an allocation and a few
// microseconds each.
var (
	workCh     = make(chan *job, 4*maxWorkers)
	workersMu  sync.Mutex
	numWorkers atomic.Int64
)

func ensureWorkers(n int) {
	if int(numWorkers.Load()) >= n {
		return
	}
	workersMu.Lock()
	for int(numWorkers.Load()) < n {
		go worker()
		numWorkers.Add(1)
	}
	workersMu.Unlock()
}

// spinFor is how long idle workers and a waiting caller poll before they
// block. Waking a parked goroutine on an idle CPU costs tens of
// microseconds (an idle vCPU must be woken by the hypervisor), which is as
// long as a whole small product, and training issues many products back to
// back; polling a little keeps the hand-off cheap. runtime.Gosched in the
// loops lets other goroutines run meanwhile.
const spinFor = 100 * time.Microsecond

func worker() {
	for {
		var j *job
		select {
		case j = <-workCh:
		default:
			j = pollJob()
		}
		if j.state.CompareAndSwap(jobPending, jobTaken) {
			j.run()
			j.done <- struct{}{}
		}
	}
}

// pollJob waits for a job, polling for spinFor before blocking.
func pollJob() *job {
	start := time.Now()
	for i := 0; ; i++ {
		select {
		case j := <-workCh:
			return j
		default:
		}
		if i&63 == 63 {
			if time.Since(start) > spinFor {
				return <-workCh
			}
			runtime.Gosched()
		}
	}
}

// parallel splits C into nt parts along m or along n (never along k, so
// the summation order stays fixed) and runs them concurrently; the caller's
// goroutine does the first part, and any part no worker has started by then.
//
// Splitting along m makes every goroutine pack all of op(B) for its rows
// and splitting along n makes every goroutine pack all of op(A), so the
// dimension whose duplicate packing is cheaper is chosen. Parts are whole
// tiles (multiples of mr or nr) so that no extra edge tiles appear.
func parallel(kern *kernel, p *params, nt int) {
	ensureWorkers(nt - 1)
	cl := callPool.Get().(*call)
	cl.p = *p
	tm, tn := (p.m+kern.mr-1)/kern.mr, (p.n+kern.nr-1)/kern.nr
	splitM := p.n <= p.m
	if splitM && tm < nt && tn > tm {
		splitM = false
	} else if !splitM && tn < nt && tm > tn {
		splitM = true
	}
	units, unit, size := tn, kern.nr, p.n
	if splitM {
		units, unit, size = tm, kern.mr, p.m
	}
	nt = min(nt, units)
	for t := 0; t < nt; t++ {
		lo := min(size, t*units/nt*unit)
		hi := min(size, (t+1)*units/nt*unit)
		j := &cl.jobs[t]
		j.kern, j.p, j.done = kern, &cl.p, cl.done
		if splitM {
			j.i0, j.i1, j.j0, j.j1 = lo, hi, 0, p.n
		} else {
			j.i0, j.i1, j.j0, j.j1 = 0, p.m, lo, hi
		}
		// Publish the fields before the job can be claimed.
		j.state.Store(jobPending)
	}
	for t := 1; t < nt; t++ {
		select {
		case workCh <- &cl.jobs[t]:
		default:
			// Queue full (many concurrent calls): the job stays pending
			// and the caller runs it below.
		}
	}
	cl.jobs[0].state.Store(jobStolen)
	cl.jobs[0].run()
	taken := 0
	for t := 1; t < nt; t++ {
		if cl.jobs[t].state.CompareAndSwap(jobPending, jobStolen) {
			cl.jobs[t].run()
		} else {
			taken++
		}
	}
	// Wait for the parts workers took: poll for a while, then block.
	start := time.Now()
	for i := 0; taken > 0; i++ {
		select {
		case <-cl.done:
			taken--
			continue
		default:
		}
		if i&63 == 63 {
			if time.Since(start) > spinFor {
				for ; taken > 0; taken-- {
					<-cl.done
				}
				break
			}
			runtime.Gosched()
		}
	}
	// Every job of this call is now finished. Drop references to the
	// caller's slices before pooling; the states stay non-pending, so a
	// late worker cannot claim anything.
	cl.p = params{}
	for t := 0; t < nt; t++ {
		j := &cl.jobs[t]
		j.state.Store(jobIdle)
		j.kern, j.p = nil, nil
	}
	callPool.Put(cl)
}
