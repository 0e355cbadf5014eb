package sgemm

import (
	"sync"
	"unsafe"

	"github.com/pal-harness/pal/internal/par"
)

// kernel describes one micro-kernel and the fixed blocking used with it.
// Exactly one kernel is active on a machine (chosen at init from the CPU
// features), and every element of C goes through it, whatever the shape.
// That is what makes the bits independent of m, n, tile position and
// thread count.
type kernel struct {
	name   string
	mr, nr int // register tile: mr rows of op(A) x nr columns of op(B)
	kc     int // fixed k block: the k-summation is split at multiples of kc only
	mc     int // rows of op(A) packed at once (multiple of mr; sized for L2)
	nc     int // columns of op(B) packed at once (multiple of nr; sized for L3)
	// colsInner is the packed B block size (floats, kb x nb) up to which
	// macro sweeps the columns innermost (see macro). Tile order never
	// changes result bits.
	colsInner int
	// fn computes, for the mr x nr tile at c (row stride ldc),
	// c = beta*c + alpha*(Apanel·Bpanel) over kc steps, or c = alpha*(...)
	// without reading c when beta == 0. a is the packed A panel
	// (a[p*mr+i]), b the packed B panel (b[p*nr+j]).
	fn func(kc int, a, b, c *float32, ldc int, alpha, beta float32)

	// Free per-goroutine workspaces. A plain free list rather than a
	// sync.Pool: the GC would empty a pool and the multi-megabyte packing
	// buffers would be reallocated.
	mu   sync.Mutex
	free []*workspace
}

// active is the kernel every Gemm call uses. It is set once at init (tests
// may swap it while no Gemm call is running).
var active *kernel

// Kernel names the micro-kernel in use: "avx512", "avx2", or "generic".
func Kernel() string { return active.name }

// SetThreads sets the maximum goroutines one Gemm call may use (default
// runtime.GOMAXPROCS(0) at first use; n < 1 means 1). It is par.SetThreads:
// the element-wise passes that share the workers follow it too. It is safe to
// call concurrently with Gemm; a running call keeps the value it started
// with. The thread count never changes results.
func SetThreads(n int) { par.SetThreads(n) }

// params holds one Gemm call's arguments.
type params struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	a, b, c        []float32
	lda, ldb, ldc  int
}

// Gemm computes C = alpha*op(A)*op(B) + beta*C for row-major matrices, where
// op(X) is X or Xᵀ (transA/transB). op(A) is m x k, op(B) is k x n, C is
// m x n; lda, ldb, ldc are row strides (>= the stored row length, >= 1). When
// beta == 0, C is not read (NaNs in C do not propagate), as in BLAS.
// It may use several goroutines (see SetThreads) for large products.
//
// When k == 0 or alpha == 0, C is only scaled by beta (set to zero when
// beta == 0), as in BLAS; A and B are then not read.
func Gemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkArgs(transA, transB, m, n, k, a, lda, b, ldb, c, ldc)
	if m == 0 || n == 0 {
		return
	}
	if k == 0 || alpha == 0 {
		ScaleC(m, n, beta, c, ldc)
		return
	}
	p := params{transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, beta: beta,
		a: a, b: b, c: c, lda: lda, ldb: ldb, ldc: ldc}
	kern := active
	nt := chooseThreads(kern, m, n, k)
	if nt <= 1 {
		ws := kern.getWorkspace()
		ws.gemm(kern, &p, 0, m, 0, n)
		kern.putWorkspace(ws)
		return
	}
	parallel(kern, &p, nt)
}

func checkArgs(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	if m < 0 {
		panic("sgemm: m < 0")
	}
	if n < 0 {
		panic("sgemm: n < 0")
	}
	if k < 0 {
		panic("sgemm: k < 0")
	}
	ar, ac := stored(transA, m, k)
	br, bc := stored(transB, k, n)
	if lda < max(1, ac) {
		panic("sgemm: bad lda (must be >= max(1, stored row length of A))")
	}
	if ldb < max(1, bc) {
		panic("sgemm: bad ldb (must be >= max(1, stored row length of B))")
	}
	if ldc < max(1, n) {
		panic("sgemm: bad ldc (must be >= max(1, n))")
	}
	if ar > 0 && ac > 0 && len(a) < (ar-1)*lda+ac {
		panic("sgemm: insufficient length of a")
	}
	if br > 0 && bc > 0 && len(b) < (br-1)*ldb+bc {
		panic("sgemm: insufficient length of b")
	}
	if m > 0 && n > 0 && len(c) < (m-1)*ldc+n {
		panic("sgemm: insufficient length of c")
	}
}

// stored is the shape in memory of an operand that enters the product as r x c: r x c, or
// c x r when it is transposed (A is m x k or k x m, B is k x n or n x k).
func stored(trans bool, r, c int) (rows, cols int) {
	if trans {
		return c, r
	}
	return r, c
}

// ScaleC sets the m x n matrix C (row stride ldc) to beta*C, as BLAS does before it adds a
// product: C = 0 when beta == 0, without reading C (NaNs in it do not propagate), and nothing
// when beta == 1. Generic so that the models package's float64 products scale alike.
func ScaleC[T float32 | float64](m, n int, beta T, c []T, ldc int) {
	if beta == 1 {
		return
	}
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= beta
		}
	}
}

// workspace holds one goroutine's packing buffers.
type workspace struct {
	apack []float32 // mc x kc, as mr-row panels
	bpack []float32 // kc x nc, as nr-column panels
	tile  []float32 // mr x nr scratch tile for edge tiles
	abuf  []float32 // backing storage (alignment)
	bbuf  []float32
	tbuf  []float32
}

func (k *kernel) getWorkspace() *workspace {
	k.mu.Lock()
	if n := len(k.free); n > 0 {
		ws := k.free[n-1]
		k.free = k.free[:n-1]
		k.mu.Unlock()
		return ws
	}
	k.mu.Unlock()
	ws := new(workspace)
	ws.tile, ws.tbuf = alignedFloats(k.mr*k.nr, ws.tbuf)
	return ws
}

func (k *kernel) putWorkspace(ws *workspace) {
	k.mu.Lock()
	k.free = append(k.free, ws)
	k.mu.Unlock()
}

// alignedFloats returns a slice of n float32 starting on a 64-byte boundary
// (a cache line: full-vector loads of packed panels then never split
// lines), reusing buf when it is large enough. It returns the slice and the
// backing buffer.
func alignedFloats(n int, buf []float32) ([]float32, []float32) {
	if cap(buf) < n+16 {
		buf = make([]float32, n+16)
	}
	buf = buf[:cap(buf)]
	off := 0
	if r := uintptr(unsafe.Pointer(&buf[0])) & 63; r != 0 {
		off = int(64-r) / 4
	}
	return buf[off : off+n], buf
}

func roundUp(x, to int) int { return (x + to - 1) / to * to }

// gemm computes rows [i0, i1) and columns [j0, j1) of C.
//
// Loop order (GotoBLAS/BLIS): for each nc-wide column block of op(B) and
// each kc-deep k block, op(B) is packed once into nr-column panels; then for
// each mc-row block of op(A), op(A) is packed into mr-row panels and the
// micro-kernel sweeps the tiles. The k blocks always start at multiples of
// the constant kc, so the summation order of every element is the same
// whatever the region, shape or thread count.
func (ws *workspace) gemm(kern *kernel, p *params, i0, i1, j0, j1 int) {
	mr, nr, kc := kern.mr, kern.nr, kern.kc
	for jc := j0; jc < j1; jc += kern.nc {
		nb := min(kern.nc, j1-jc)
		nbr := roundUp(nb, nr)
		for pc := 0; pc < p.k; pc += kc {
			kb := min(kc, p.k-pc)
			if len(ws.bpack) < kb*nbr {
				ws.bpack, ws.bbuf = alignedFloats(kc*roundUp(min(kern.nc, j1-j0), nr), ws.bbuf)
			}
			packB(ws.bpack, nr, p.b, p.ldb, p.transB, pc, kb, jc, nb)
			// The first k block applies beta; later ones accumulate into C.
			beta := p.beta
			if pc > 0 {
				beta = 1
			}
			for ic := i0; ic < i1; ic += kern.mc {
				mb := min(kern.mc, i1-ic)
				if len(ws.apack) < kb*roundUp(mb, mr) {
					ws.apack, ws.abuf = alignedFloats(kc*roundUp(min(kern.mc, i1-i0), mr), ws.abuf)
				}
				packA(ws.apack, mr, p.a, p.lda, p.transA, ic, mb, pc, kb)
				ws.macro(kern, p, ic, mb, jc, nb, kb, beta)
			}
		}
	}
}

// macro runs the micro-kernel over an mb x nb block of C at (ic, jc) whose
// panels are packed in ws.
func (ws *workspace) macro(kern *kernel, p *params, ic, mb, jc, nb, kb int, beta float32) {
	mr, nr := kern.mr, kern.nr
	alpha, c, ldc := p.alpha, p.c, p.ldc
	fn := kern.fn
	tile := ws.tile
	// Up to kern.colsInner floats of packed B, sweep the columns innermost:
	// the A micro-panel stays in L1 while the B micro-panels stream from L1
	// (small blocks) or L2, and consecutive tiles write adjacent C lines of
	// the same rows. For larger blocks, one B micro-panel stays in L1 while
	// the A micro-panels stream from L2. The order of the tiles does not
	// change any result bit.
	bOuter := kb*roundUp(nb, nr) > kern.colsInner
	nTiles := ((mb + mr - 1) / mr) * ((nb + nr - 1) / nr)
	nir := (mb + mr - 1) / mr
	njr := (nb + nr - 1) / nr
	for t := 0; t < nTiles; t++ {
		var ir, jr int
		if bOuter {
			jr, ir = t/nir*nr, t%nir*mr
		} else {
			ir, jr = t/njr*mr, t%njr*nr
		}
		bp := &ws.bpack[jr*kb]
		nn := min(nr, nb-jr)
		{
			ap := &ws.apack[ir*kb]
			mm := min(mr, mb-ir)
			ci := (ic+ir)*ldc + jc + jr
			if mm == mr && nn == nr {
				fn(kb, ap, bp, &c[ci], ldc, alpha, beta)
				continue
			}
			// Edge tile: the same kernel on a scratch tile (the packed
			// panels are zero-padded), then copy the valid part. Copying
			// is exact, so edge elements get the same bits as they would
			// inside a full tile.
			if beta != 0 {
				for i := 0; i < mm; i++ {
					copy(tile[i*nr:i*nr+nn], c[ci+i*ldc:ci+i*ldc+nn])
				}
			}
			fn(kb, ap, bp, &tile[0], nr, alpha, beta)
			for i := 0; i < mm; i++ {
				copy(c[ci+i*ldc:ci+i*ldc+nn], tile[i*nr:i*nr+nn])
			}
		}
	}
}
