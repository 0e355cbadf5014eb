// Command gobench trains a PAL model on random data for a few seconds and prints its training
// throughput as one JSON line, {"pairs_per_s": ..., "gflops": ...}: the Go side of
// bench/torch_compare.py, which runs it beside the same model in PyTorch. Sizes and the flop
// count are those of internal/benchkit (and of the go test benchmarks in models).
//
//	go run ./bench/gobench -model pal-a -size small -batch 256 -threads 2 -seconds 5
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"time"

	"github.com/pal-harness/pal/datasets"
	"github.com/pal-harness/pal/internal/benchkit"
	"github.com/pal-harness/pal/internal/seeds"
	"github.com/pal-harness/pal/internal/sgemm"
	"github.com/pal-harness/pal/models"
)

func main() {
	model := flag.String("model", "pal-a", "pal-a or pal-b")
	size := flag.String("size", "small", "small or large (see internal/benchkit)")
	batch := flag.Int("batch", 256, "pairs per mini-batch")
	threads := flag.Int("threads", runtime.NumCPU(), "GOMAXPROCS: threads the matrix products may use")
	items := flag.Int("items", 10000, "random items")
	prompts := flag.Int("prompts", 1000, "random prompts")
	seconds := flag.Float64("seconds", 5, "time at least this long")
	warmup := flag.Int("warmup", 3, "untimed steps first")
	precision := flag.String("precision", models.Float32, "arithmetic of the MLPs: float32 or float64")
	blasThreads := flag.Int("blas-threads", 0, "threads of one matrix product (models.SetBLASThreads: sgemm's, and OpenBLAS's in an openblas build); 0: the build's defaults, as pal runs (sgemm: -threads; OpenBLAS: 1)")
	flag.Parse()
	s, ok := benchkit.Sizes[*size]
	s.Precision = *precision
	if !ok || *batch < 1 || *threads < 1 || *items < 2 || *prompts < 1 {
		fmt.Fprintln(os.Stderr, "gobench: bad flags (want -size small|large, -batch, -threads, -items >= 2, -prompts >= 1); see -h")
		os.Exit(2)
	}
	runtime.GOMAXPROCS(*threads)
	if *blasThreads > 0 {
		models.SetBLASThreads(*blasThreads) // gonum's float64 products follow GOMAXPROCS
	}
	// Eight batches of pairs, cycled, as the PyTorch side does.
	d := benchkit.RandomData(s, *items, *prompts, 8**batch, 1)
	m, err := benchkit.New(*model, s, d, 2)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gobench:", err)
		os.Exit(2)
	}
	pairs := d.Splits[datasets.Train]
	rng := models.NewRand(3, seeds.FitStream)
	step := func(i int) { s := (i % 8) * *batch; m.Step(pairs[s:s+*batch], rng) }
	for i := 0; i < *warmup; i++ {
		step(i)
	}
	start := time.Now()
	steps := 0
	var el float64
	for {
		step(steps)
		steps++
		el = time.Since(start).Seconds()
		if el >= *seconds && steps >= 3 {
			break
		}
	}
	pps := float64(steps**batch) / el
	out, _ := json.Marshal(map[string]any{"model": *model, "size": *size, "batch": *batch, "threads": *threads, "blas_threads": *blasThreads, "blas": models.BLAS, "precision": *precision, "kernel": sgemm.Kernel(),
		"steps": steps, "pairs_per_s": pps, "gflops": pps * m.TrainFlopsPerPair / 1e9})
	fmt.Println(string(out))
}
