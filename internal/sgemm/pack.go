package sgemm

// Packing copies a block of op(A) or op(B) into the layout the micro-kernel
// streams through: contiguous, in k order, with the tile's elements of one k
// step next to each other. The transposes are handled here, so there is one
// kernel for all four transpose combinations. Rows/columns past the edge of
// the matrix are zero, so edge tiles run the same kernel; the padded
// results are discarded.

// packA packs rows [i0, i0+mb) and k range [p0, p0+kb) of op(A) into dst as
// ceil(mb/mr) panels of mr x kb, panel element (i, p) at p*mr+i.
func packA(dst []float32, mr int, a []float32, lda int, trans bool, i0, mb, p0, kb int) {
	for ir := 0; ir < mb; ir += mr {
		panel := dst[ir*kb : ir*kb+mr*kb]
		rows := min(mr, mb-ir)
		if trans {
			// op(A)[i][p] = a[p*lda+i]: each k step is a contiguous run.
			copyPack(panel, mr, a[p0*lda+i0+ir:], lda, rows, kb)
			continue
		}
		// op(A)[i][p] = a[i*lda+p]: a row of A becomes a strided column of
		// the panel.
		transposePack(panel, mr, a[(i0+ir)*lda+p0:], lda, rows, kb)
	}
}

// packB packs k range [p0, p0+kb) and columns [j0, j0+nb) of op(B) into dst
// as ceil(nb/nr) panels of kb x nr, panel element (p, j) at p*nr+j.
func packB(dst []float32, nr int, b []float32, ldb int, trans bool, p0, kb, j0, nb int) {
	for jr := 0; jr < nb; jr += nr {
		panel := dst[jr*kb : jr*kb+nr*kb]
		cols := min(nr, nb-jr)
		if !trans {
			// op(B)[p][j] = b[p*ldb+j]: each k step is a contiguous run.
			copyPack(panel, nr, b[p0*ldb+j0+jr:], ldb, cols, kb)
			continue
		}
		// op(B)[p][j] = b[j*ldb+p]: a row of B becomes a strided column.
		transposePack(panel, nr, b[(j0+jr)*ldb+p0:], ldb, cols, kb)
	}
}

// transposePackGo writes dst[p*w+r] = src[r*ld+p] for r < rows, p < kb, and
// zero for rows <= r < w. It walks four source rows at a time so that each
// destination cache line is written in few passes.
func transposePackGo(dst []float32, w int, src []float32, ld, rows, kb int) {
	dst = dst[:w*kb]
	r := 0
	for ; r+4 <= rows; r += 4 {
		s0 := src[r*ld : r*ld+kb]
		s1 := src[(r+1)*ld : (r+1)*ld+kb]
		s2 := src[(r+2)*ld : (r+2)*ld+kb]
		s3 := src[(r+3)*ld : (r+3)*ld+kb]
		for p := range s0 {
			d := dst[p*w+r : p*w+r+4 : p*w+r+4]
			d[0], d[1], d[2], d[3] = s0[p], s1[p], s2[p], s3[p]
		}
	}
	transposeRowsGo(dst, w, src, ld, r, rows, kb, kb)
}

// transposeRowsGo finishes a transposing pack one source row at a time: dst[p*w+r] =
// src[r*ld+p] for from <= r < rows and p < kb, then zero for rows <= r < w in the first
// zeroSteps k steps (the ones no earlier pass zeroed).
func transposeRowsGo(dst []float32, w int, src []float32, ld, from, rows, kb, zeroSteps int) {
	for r := from; r < rows; r++ {
		s := src[r*ld : r*ld+kb]
		for p, v := range s {
			dst[p*w+r] = v
		}
	}
	if rows < w {
		for p := 0; p < zeroSteps; p++ {
			clear(dst[p*w+rows : p*w+w])
		}
	}
}

// copyPackGo writes dst[p*w+r] = src[p*ld+r] for r < rows, and zero for
// rows <= r < w, p < kb. (An element loop: copy() would call memmove for
// every few floats.)
func copyPackGo(dst []float32, w int, src []float32, ld, rows, kb int) {
	for p := 0; p < kb; p++ {
		d := dst[p*w : p*w+w]
		s := src[p*ld : p*ld+rows]
		for i, v := range s {
			d[i] = v
		}
		for i := rows; i < w; i++ {
			d[i] = 0
		}
	}
}
