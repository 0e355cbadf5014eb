// Package par runs work split into parts on a fixed set of long-lived worker
// goroutines: the matrix products of internal/sgemm and the large
// element-wise passes of a training step share it, so one process never has
// more busy goroutines than [Threads] per call, whatever mixes of the two
// run.
//
// A call hands parts 1..n-1 to idle workers and runs part 0 on the caller's
// goroutine; then the caller runs every part no worker has started yet, so a
// descheduled worker (a busy machine, or concurrent runs under -j) never
// makes a call wait for it. Idle workers and a waiting caller poll for about
// 100µs before they block, because waking a parked goroutine on an idle
// (virtual) CPU costs tens of microseconds, as much as a small product.
//
// Splitting never changes results by itself: callers split work whose every
// output element is computed by one part, the same way whatever the part
// boundaries (element-wise maps, or the rows and columns of a product), so
// the thread count does not change a bit.
package par
