package par

import (
	"sync"
	"sync/atomic"
	"testing"
)

func useThreads(t *testing.T, n int) {
	old := Threads()
	SetThreads(n)
	t.Cleanup(func() { SetThreads(old) })
}

// countTask counts how often each part runs.
type countTask struct{ runs []atomic.Int32 }

func (c *countTask) Run(i int) { c.runs[i].Add(1) }

func TestDoRunsEveryPartOnce(t *testing.T) {
	for _, parts := range []int{0, 1, 2, 3, 7, MaxThreads, MaxThreads + 5} {
		c := &countTask{runs: make([]atomic.Int32, max(parts, 1))}
		Do(parts, c)
		want := min(max(parts, 1), MaxThreads)
		for i := range c.runs {
			exp := int32(0)
			if i < want {
				exp = 1
			}
			if got := c.runs[i].Load(); got != exp {
				t.Fatalf("parts=%d: part %d ran %d times, want %d", parts, i, got, exp)
			}
		}
	}
}

func TestForCoversRangeOnce(t *testing.T) {
	for _, threads := range []int{1, 2, 3, 8} {
		useThreads(t, threads)
		for _, n := range []int{0, 1, 15, 16, 17, 100, 1000, 4099} {
			for _, grain := range []int{1, 10, 1 << 20} {
				hits := make([]int32, n)
				var mu sync.Mutex
				var ranges [][2]int
				For(n, grain, func(lo, hi int) {
					mu.Lock()
					ranges = append(ranges, [2]int{lo, hi})
					mu.Unlock()
					for i := lo; i < hi; i++ {
						atomic.AddInt32(&hits[i], 1)
					}
				})
				for i, h := range hits {
					if h != 1 {
						t.Fatalf("threads=%d n=%d grain=%d: element %d covered %d times", threads, n, grain, i, h)
					}
				}
				if want := Parts(n, grain); n > 0 && len(ranges) > want {
					t.Fatalf("threads=%d n=%d grain=%d: %d ranges, want at most %d", threads, n, grain, len(ranges), want)
				}
				for _, r := range ranges {
					if r[0]%forAlign != 0 {
						t.Fatalf("threads=%d n=%d: range %v does not start at a multiple of %d", threads, n, r, forAlign)
					}
				}
			}
		}
	}
}

func TestParts(t *testing.T) {
	useThreads(t, 4)
	for _, c := range []struct{ n, grain, want int }{
		{0, 10, 1}, {9, 10, 1}, {20, 10, 2}, {1000, 10, 4}, {1000, 0, 4},
	} {
		if got := Parts(c.n, c.grain); got != c.want {
			t.Errorf("Parts(%d, %d) = %d, want %d", c.n, c.grain, got, c.want)
		}
	}
}

func TestSetThreadsBounds(t *testing.T) {
	useThreads(t, 1)
	SetThreads(0)
	if Threads() != 1 {
		t.Fatalf("SetThreads(0): %d", Threads())
	}
	SetThreads(1000)
	if Threads() != MaxThreads {
		t.Fatalf("SetThreads(1000): %d", Threads())
	}
}

// TestConcurrentCalls runs many Do calls at once from several goroutines
// (more parts than workers, a full queue): each must still run every part
// of its own task once.
func TestConcurrentCalls(t *testing.T) {
	useThreads(t, 4)
	var wg sync.WaitGroup
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := 0; r < 200; r++ {
				c := &countTask{runs: make([]atomic.Int32, 4)}
				Do(4, c)
				for i := range c.runs {
					if c.runs[i].Load() != 1 {
						t.Errorf("part %d ran %d times", i, c.runs[i].Load())
						return
					}
				}
			}
		}()
	}
	wg.Wait()
}

type nopTask struct{}

func (nopTask) Run(int) {}

func TestDoAllocatesNothing(t *testing.T) {
	useThreads(t, 2)
	task := &nopTask{}
	Do(2, task) // start the workers
	if n := testing.AllocsPerRun(100, func() { Do(2, task) }); n > 0.1 {
		t.Fatalf("%v allocs per Do", n)
	}
}
