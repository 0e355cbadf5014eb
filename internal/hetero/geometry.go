package hetero

import (
	"math"

	"gonum.org/v1/gonum/mat"
)

// Ternary places a 3-component weight vector (w1, w2, w3) in an equilateral triangle with
// corners (0, 0) for component 1, (1, 0) for component 2 and (1/2, sqrt(3)/2) for component 3:
// the point sum_k w_k corner_k (barycentric coordinates). w need not sum to exactly 1; it is
// normalised first.
func Ternary(w []float64) (x, y float64) {
	s := w[0] + w[1] + w[2]
	if s == 0 {
		s = 1
	}
	return (w[1] + 0.5*w[2]) / s, math.Sqrt(3) / 2 * w[2] / s
}

// PCA2 projects the rows of x (n x d) onto their first two principal components: the centred
// rows times the two leading right singular vectors. Each component's sign is fixed so that
// its largest-magnitude loading is positive, so the picture does not flip between runs.
// explained is the share of the total variance each component holds. With fewer than two
// rows or dimensions the missing coordinates are 0.
func PCA2(x [][]float64) (pts [][2]float64, explained [2]float64) {
	n := len(x)
	pts = make([][2]float64, n)
	if n < 2 {
		return pts, explained
	}
	d := len(x[0])
	mean := MeanVector(x)
	c := mat.NewDense(n, d, nil)
	for i, row := range x {
		for j, v := range row {
			c.Set(i, j, v-mean[j])
		}
	}
	var svd mat.SVD
	if !svd.Factorize(c, mat.SVDThin) {
		return pts, explained
	}
	var v mat.Dense
	svd.VTo(&v)
	vals := svd.Values(nil)
	var total float64
	for _, s := range vals {
		total += s * s
	}
	for comp := 0; comp < 2 && comp < len(vals); comp++ {
		sign, big := 1.0, 0.0
		for j := range d {
			if a := v.At(j, comp); math.Abs(a) > big {
				big, sign = math.Abs(a), math.Copysign(1, a)
			}
		}
		for i := range n {
			var s float64
			for j := range d {
				s += c.At(i, j) * v.At(j, comp)
			}
			pts[i][comp] = sign * s
		}
		if total > 0 {
			explained[comp] = vals[comp] * vals[comp] / total
		}
	}
	return pts, explained
}
