package experiment

import (
	"fmt"

	"github.com/pal-harness/pal/datasets"
	"github.com/pal-harness/pal/datasets/download"
	"github.com/pal-harness/pal/models"
	"github.com/pal-harness/pal/sweeps"
)

// Estimate is the memory one run is expected to take at its peak, from its config alone.
type Estimate struct {
	Run         *sweeps.Run
	Data, Model int64 // bytes; 0 where the kind gives no estimate
}

// Total is the run's estimate.
func (e Estimate) Total() int64 { return e.Data + e.Model }

// CheckMemory estimates, before anything is built or allocated, the memory of every run of
// the spec (its data set and its fit, from the kinds' Estimator and MemoryEstimator) and
// refuses the spec when one run alone would need more than limit bytes (the machine's memory,
// internal/sysmem): such a run could only die of "out of memory" halfway. When jobs runs at
// once may not fit together, warn says so and how many would. Kinds without an estimate count
// as 0.
func (r *Runner) CheckMemory(spec *sweeps.Spec, jobs int, limit int64, limitSource string) (warn string, err error) {
	var worst Estimate
	var worstData int64
	seen := map[string]bool{}
	for _, run := range spec.Runs {
		key := fmt.Sprintf("%s|%+v|%s|%+v|%+v", run.DatasetKind, run.Dataset, run.ModelKind, run.Model, run.Train)
		if seen[key] {
			continue
		}
		seen[key] = true
		e := r.estimate(run)
		if e.Total() > limit {
			return "", fmt.Errorf("spec %s: run %s would need about %s (data %s, model %s) and this machine allows %s (%s): make the data set or the model smaller (items, dimensions, width, layers, batch_size)",
				spec.Path, run.Label(), bytesText(e.Total()), bytesText(e.Data), bytesText(e.Model), bytesText(limit), limitSource)
		}
		if e.Total() > worst.Total() {
			worst = e
		}
		worstData = max(worstData, e.Data)
	}
	// At most jobs fits at once, each with its data, and one data set more being built.
	if together := int64(jobs)*worst.Total() + worstData; jobs > 1 && together > limit {
		fit := max(1, (limit-worstData)/max(worst.Total(), 1))
		warn = fmt.Sprintf("%d runs at once may need about %s (the largest, %s, about %s each) and this machine allows %s: if it runs out of memory, use -j %d",
			jobs, bytesText(together), worst.Run.Label(), bytesText(worst.Total()), bytesText(limit), fit)
	}
	return warn, nil
}

// estimate is one run's estimate.
func (r *Runner) estimate(run *sweeps.Run) Estimate {
	e := Estimate{Run: run}
	est, ok := run.Dataset.(datasets.Estimator)
	if !ok {
		return e
	}
	shape, data, err := est.Estimate(r.Env)
	if err != nil {
		return e // what is missing is Check's to say
	}
	e.Data = data
	tc, _ := run.Train.(*models.TrainConfig)
	if me, ok := run.Model.(models.MemoryEstimator); ok && tc != nil {
		e.Model = me.EstimateBytes(shape, tc)
	}
	return e
}

func bytesText(n int64) string { return download.FormatBytes(n) }
