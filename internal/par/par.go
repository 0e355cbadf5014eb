package par

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// MaxThreads caps SetThreads and the parts of one call.
const MaxThreads = 64

// threads is the SetThreads value; 0 means "not set yet".
var threads atomic.Int64

// SetThreads sets the most goroutines one call may use (default
// runtime.GOMAXPROCS(0) at first use; n < 1 means 1, n > MaxThreads means
// MaxThreads). It is safe to call at any time; a running call keeps the
// value it started with.
func SetThreads(n int) {
	threads.Store(int64(min(max(n, 1), MaxThreads)))
}

// Threads returns the most goroutines one call may use.
func Threads() int {
	t := threads.Load()
	if t == 0 {
		threads.CompareAndSwap(0, int64(min(runtime.GOMAXPROCS(0), MaxThreads)))
		t = threads.Load()
	}
	return int(t)
}

// Task is work cut into numbered parts.
type Task interface {
	// Run does part i. Parts of one call run concurrently and must not
	// write to the same memory.
	Run(i int)
}

// Job states. A job is handed to a worker through workCh, but whoever
// first moves it from jobPending to jobTaken/jobStolen runs it.
const (
	jobPending int32 = iota
	jobTaken         // run by a worker, which then signals done
	jobStolen        // run by the caller
	jobIdle          // not part of a running call
)

// job is one part of a call.
type job struct {
	state atomic.Int32
	task  Task
	part  int
	done  chan struct{} // a worker that ran the job sends here
}

// call is the per-call state, pooled so that Do allocates nothing in the
// steady state. A worker may still hold a pointer to a job of a finished
// call (it lost the race to the caller); the job states make that
// harmless: it can only ever run a job that is pending in the call that
// currently owns the struct, and then signals that call.
type call struct {
	done chan struct{}
	jobs [MaxThreads]job
}

var callPool = sync.Pool{New: func() any {
	cl := &call{done: make(chan struct{}, MaxThreads)}
	for i := range cl.jobs {
		cl.jobs[i].state.Store(jobIdle)
	}
	return cl
}}

// A fixed set of long-lived workers take jobs from workCh: starting a
// goroutine per part would cost an allocation and a few microseconds each.
var (
	workCh     = make(chan *job, 4*MaxThreads)
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
// block (see the package doc). runtime.Gosched in the loops lets other
// goroutines run meanwhile.
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
			j.task.Run(j.part)
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

// Do runs t.Run(i) for every i in [0, parts) and returns when all are done.
// Part 0 runs on the caller's goroutine, the others on workers or, when no
// worker has started them by then, on the caller too. parts is capped at
// MaxThreads; parts <= 1 runs t.Run(0) directly.
func Do(parts int, t Task) {
	parts = min(parts, MaxThreads)
	if parts <= 1 {
		t.Run(0)
		return
	}
	ensureWorkers(parts - 1)
	cl := callPool.Get().(*call)
	for i := 0; i < parts; i++ {
		j := &cl.jobs[i]
		j.task, j.part, j.done = t, i, cl.done
		// Publish the fields before the job can be claimed.
		j.state.Store(jobPending)
	}
	for i := 1; i < parts; i++ {
		select {
		case workCh <- &cl.jobs[i]:
		default:
			// Queue full (many concurrent calls): the job stays pending and
			// the caller runs it below.
		}
	}
	cl.jobs[0].state.Store(jobStolen)
	t.Run(0)
	taken := 0
	for i := 1; i < parts; i++ {
		if cl.jobs[i].state.CompareAndSwap(jobPending, jobStolen) {
			t.Run(i)
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
	// Every job of this call is finished. Drop the reference to the task
	// before pooling; the states stay non-pending, so a late worker cannot
	// claim anything.
	for i := 0; i < parts; i++ {
		j := &cl.jobs[i]
		j.state.Store(jobIdle)
		j.task = nil
	}
	callPool.Put(cl)
}

// forAlign is the granularity of For's part boundaries, in elements: a
// multiple of a 64-byte cache line for float32 and float64 data, so two
// parts never write to one line.
const forAlign = 16

// forTask is a For call, pooled.
type forTask struct {
	n, parts int
	fn       func(lo, hi int)
}

func (f *forTask) Run(i int) {
	lo, hi := bounds(f.n, f.parts, i)
	if lo < hi {
		f.fn(lo, hi)
	}
}

// bounds returns part i of [0, n) cut into parts parts at multiples of
// forAlign.
func bounds(n, parts, i int) (lo, hi int) {
	units := (n + forAlign - 1) / forAlign
	lo = min(n, i*units/parts*forAlign)
	hi = min(n, (i+1)*units/parts*forAlign)
	return lo, hi
}

var forPool = sync.Pool{New: func() any { return new(forTask) }}

// Parts returns how many parts For would cut n elements into with the
// given grain: at most Threads(), each of at least grain elements.
func Parts(n, grain int) int {
	return max(1, min(Threads(), n/max(grain, 1)))
}

// For calls fn(lo, hi) over consecutive ranges that cover [0, n), cut into
// Parts(n, grain) parts at multiples of 16, concurrently; with one part it
// calls fn(0, n) on the caller's goroutine. fn must compute each element
// the same way whatever the range it falls in, so results do not depend on
// the thread count.
//
// The closure passed as fn usually allocates; hot callers check Parts first
// and call their loop directly when it is 1 (small inputs).
func For(n, grain int, fn func(lo, hi int)) {
	parts := Parts(n, grain)
	if parts <= 1 {
		if n > 0 {
			fn(0, n)
		}
		return
	}
	f := forPool.Get().(*forTask)
	f.n, f.parts, f.fn = n, parts, fn
	Do(parts, f)
	f.fn = nil
	forPool.Put(f)
}
