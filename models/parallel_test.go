package models_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/pal-harness/pal/datasets"
	"github.com/pal-harness/pal/internal/benchkit"
	"github.com/pal-harness/pal/internal/par"
	"github.com/pal-harness/pal/models"
)

// TestThreadsDoNotChangeBits trains PAL-A and PAL-B at a size whose element-wise passes and
// products are split over goroutines (1,536 rows x 256 values: six times the split grain) on
// one thread and on three, and checks that the losses and every parameter agree to the bit.
func TestThreadsDoNotChangeBits(t *testing.T) {
	old := par.Threads()
	t.Cleanup(func() { par.SetThreads(old) })
	for _, kind := range []string{"pal-a", "pal-b"} {
		for _, prec := range []string{"float32", "float64"} {
			t.Run(fmt.Sprintf("%s/%s", kind, prec), func(t *testing.T) {
				s := benchkit.Size{Name: "test", Dim: 256, Layers: 2, Width: 256, K: 2, Residual: true, Precision: prec}
				const batch = 512
				train := func(threads int) ([]float64, []*models.Param) {
					par.SetThreads(threads)
					d := benchkit.RandomData(s, 1000, 100, 3*batch, 7)
					m, err := benchkit.New(kind, s, d, 11)
					if err != nil {
						t.Fatal(err)
					}
					pairs := d.Splits[datasets.Train]
					rng := models.NewRand(5, 0)
					var losses []float64
					for i := 0; i < 3; i++ {
						losses = append(losses, m.Step(pairs[i*batch:(i+1)*batch], rng))
					}
					return losses, m.Obj.Params()
				}
				l1, p1 := train(1)
				l3, p3 := train(3)
				for i := range l1 {
					if math.Float64bits(l1[i]) != math.Float64bits(l3[i]) {
						t.Fatalf("step %d: loss %v on 1 thread, %v on 3", i, l1[i], l3[i])
					}
				}
				for i, p := range p1 {
					for j, v := range p.Value {
						if math.Float64bits(v) != math.Float64bits(p3[i].Value[j]) {
							t.Fatalf("%s[%d]: %v on 1 thread, %v on 3", p.Name, j, v, p3[i].Value[j])
						}
					}
				}
			})
		}
	}
}
