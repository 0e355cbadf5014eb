// Command scale is the memory-scale benchmark of issue 5: a Pick-a-Pic-sized synthetic data set
// (by default 1,000,000 pairs over 1,000,000 items of dimension 1024, 5,000 users) must train an
// epoch with a resident set no larger than 1.5 times the raw float32 bytes of the item
// embeddings. Items are stored once (datasets.Data.Items, float32) and pairs refer to them by
// index; LoadFiles memory-maps a float32 items.npy, and the only copy of an item a step makes is
// the gather of its row into the model's batch buffer.
//
// It has two steps, so the data is written once and every training run is a fresh process whose
// peak resident set is its own:
//
//	scale gen   -dir DIR -items N -dim D -pairs P -users U -seed S
//	scale train -dir DIR -model pal-a|btl -epochs 1 -batch B -width W -layers L -k K [-residual] [-j T]
//
// gen writes a bring-your-own folder (datasets.LoadFiles): items.npy (float32, little-endian,
// streamed to disk in chunks, so the generator never holds the items in memory), pairs.csv and
// users.csv. Items are N(0, I_D); a hidden linear map A (8 x D) sends item x to the latent point
// A x / sqrt(D); the users fall into two groups, each with a prototype in the latent space, and
// a user prefers the item whose latent point is closer to the group's prototype. Pairs are
// uniform over users and items; -val-fraction of them go to val (default none: every pair
// trains). The files are written under temporary names and renamed when all are complete.
//
// train loads the folder with datasets.LoadFiles, builds the model (PAL-A: f(Pw) ideal points,
// dist score, hinge loss; BTL: an MLP reward; AdamW with the models' parameter groups, dropout
// 0), runs models.Train for -epochs over the train split (with -steps N, over its first N
// batches only, and reports the epoch time extrapolated from them), optionally measures the loss
// on at most -eval val pairs, and prints one JSON line: the sizes, the raw float32 item bytes,
// load and epoch seconds, pairs/s, the peak resident set (VmHWM of /proc/self/status, else
// getrusage's ru_maxrss) and its ratio to the raw bytes. The peak counts the mapped item pages
// the process touched (they are resident file pages), so a ratio near 1 means the items are
// resident once and nothing else of their size exists.
//
// `make bench-scale` runs both steps (gen only when the folder is missing); BENCHMARKS.md has
// the measurements.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/pal-harness/pal/datasets"
	"github.com/pal-harness/pal/internal/benchkit"
	"github.com/pal-harness/pal/internal/seeds"
	"github.com/pal-harness/pal/models"
	"github.com/pal-harness/pal/sweeps"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: scale gen|train [flags] (scale gen -h, scale train -h)")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "gen":
		err = gen(os.Args[2:], os.Stdout, os.Stderr)
	case "train":
		err = train(os.Args[2:], os.Stdout, os.Stderr)
	default:
		err = fmt.Errorf("unknown step %q: want gen or train", os.Args[1])
	}
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "scale:", err)
		os.Exit(2)
	}
}

// latentDim and groups shape the hidden preference model of gen.
const (
	latentDim = 8
	groups    = 2
	chunkRows = 4096 // items generated, projected and written per chunk
)

// genConfig is what gen writes.
type genConfig struct {
	dir                      string
	items, dim, pairs, users int
	seed                     uint64
	valFraction              float64
}

func gen(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("scale gen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c genConfig
	fs.StringVar(&c.dir, "dir", "", "folder to write (created if needed)")
	fs.IntVar(&c.items, "items", 1000000, "items")
	fs.IntVar(&c.dim, "dim", 1024, "embedding dimension")
	fs.IntVar(&c.pairs, "pairs", 1000000, "pairs")
	fs.IntVar(&c.users, "users", 5000, "users")
	fs.Uint64Var(&c.seed, "seed", 1, "random seed")
	fs.Float64Var(&c.valFraction, "val-fraction", 0, "fraction of pairs in the val split (the rest train)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if c.dir == "" || c.items < 2 || c.dim < 1 || c.pairs < 1 || c.users < 1 || c.valFraction < 0 || c.valFraction >= 1 {
		return fmt.Errorf("gen: want -dir, -items >= 2, -dim >= 1, -pairs >= 1, -users >= 1, 0 <= -val-fraction < 1")
	}
	start := time.Now()
	if err := writeFolder(c); err != nil {
		return err
	}
	out, _ := json.Marshal(map[string]any{"step": "gen", "dir": c.dir, "items": c.items, "dim": c.dim, "pairs": c.pairs,
		"users": c.users, "seed": c.seed, "raw_item_bytes": int64(c.items) * int64(c.dim) * 4, "seconds": time.Since(start).Seconds()})
	fmt.Fprintln(stdout, string(out))
	return nil
}

// writeFolder writes items.npy, pairs.csv and users.csv to temporary files in c.dir and renames
// them into place once all three are complete.
func writeFolder(c genConfig) (err error) {
	if err := os.MkdirAll(c.dir, 0o755); err != nil {
		return err
	}
	var temps []string
	defer func() {
		if err != nil {
			for _, t := range temps {
				os.Remove(t)
			}
		}
	}()
	create := func(name string) (*os.File, error) {
		f, err := os.CreateTemp(c.dir, "."+name+".tmp*")
		if err == nil {
			temps = append(temps, f.Name())
		}
		return f, err
	}
	finish := func(f *os.File, err error) error {
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return err
	}

	// The hidden model: A (latentDim x dim) and one prototype per group.
	r := seeds.PCG(c.seed, seeds.ScaleModel)
	A := make([]float64, latentDim*c.dim)
	for i := range A {
		A[i] = r.NormFloat64() / math.Sqrt(float64(c.dim))
	}
	protos := make([]float64, groups*latentDim)
	for i := range protos {
		protos[i] = r.NormFloat64()
	}

	// Items, streamed: chunk by chunk, each from its own stream, projected to the latent space
	// (kept: items x latentDim float32) and written.
	f, err := create(datasets.ItemsFile)
	if err != nil {
		return err
	}
	latent := make([]float32, c.items*latentDim)
	err = func() error {
		w, err := datasets.NewNPYWriter(f, c.items, c.dim)
		if err != nil {
			return err
		}
		buf := make([]float32, chunkRows*c.dim)
		for s := 0; s < c.items; s += chunkRows {
			rows := min(chunkRows, c.items-s)
			cr := seeds.ScaleItemChunks.Rand(c.seed, s/chunkRows)
			x := buf[:rows*c.dim]
			for i := range x {
				x[i] = float32(cr.NormFloat64())
			}
			for j := range rows {
				row := x[j*c.dim : (j+1)*c.dim]
				for a := range latentDim {
					var sum float64
					for b, v := range A[a*c.dim : (a+1)*c.dim] {
						sum += v * float64(row[b])
					}
					latent[(s+j)*latentDim+a] = float32(sum)
				}
			}
			if err := w.Write(x); err != nil {
				return err
			}
		}
		return w.Close()
	}()
	if err := finish(f, err); err != nil {
		return fmt.Errorf("write %s: %w", filepath.Join(c.dir, datasets.ItemsFile), err)
	}

	userID := func(u int) string { return "u" + strconv.Itoa(u) }
	dist := func(item, g int) float64 {
		var s float64
		for a := range latentDim {
			d := float64(latent[item*latentDim+a]) - protos[g*latentDim+a]
			s += d * d
		}
		return s
	}
	f, err = create(datasets.PairsFile)
	if err != nil {
		return err
	}
	err = func() error {
		bw := bufio.NewWriterSize(f, 1<<20)
		bw.WriteString("user,left,right,label,split\n")
		pr := seeds.PCG(c.seed, seeds.ScalePairs)
		var line []byte
		for p := range c.pairs {
			u := p % c.users
			left := pr.IntN(c.items)
			right := pr.IntN(c.items - 1)
			if right >= left {
				right++
			}
			label := "0"
			if dist(left, u%groups) < dist(right, u%groups) {
				label = "1"
			}
			split := "train"
			if pr.Float64() < c.valFraction {
				split = "val"
			}
			line = append(line[:0], userID(u)...)
			line = append(line, ',')
			line = strconv.AppendInt(line, int64(left), 10)
			line = append(line, ',')
			line = strconv.AppendInt(line, int64(right), 10)
			line = append(line, ',')
			line = append(line, label...)
			line = append(line, ',')
			line = append(line, split...)
			line = append(line, '\n')
			if _, err := bw.Write(line); err != nil {
				return err
			}
		}
		return bw.Flush()
	}()
	if err := finish(f, err); err != nil {
		return fmt.Errorf("write %s: %w", filepath.Join(c.dir, datasets.PairsFile), err)
	}

	f, err = create(datasets.UsersFile)
	if err != nil {
		return err
	}
	err = func() error {
		bw := bufio.NewWriter(f)
		bw.WriteString("user,group\n")
		for u := range c.users {
			fmt.Fprintf(bw, "%s,g%d\n", userID(u), u%groups)
		}
		return bw.Flush()
	}()
	if err := finish(f, err); err != nil {
		return fmt.Errorf("write %s: %w", filepath.Join(c.dir, datasets.UsersFile), err)
	}

	for i, name := range []string{datasets.ItemsFile, datasets.PairsFile, datasets.UsersFile} {
		if err := os.Rename(temps[i], filepath.Join(c.dir, name)); err != nil {
			return err
		}
	}
	return nil
}

// trainResult is the JSON line train prints.
type trainResult struct {
	Step           string  `json:"step"`
	Model          string  `json:"model"`
	Items          int     `json:"items"`
	Dim            int     `json:"dim"`
	Pairs          int     `json:"pairs"` // training pairs of the epoch
	Users          int     `json:"users"`
	Batch          int     `json:"batch"`
	Width          int     `json:"width"`
	Layers         int     `json:"layers"`
	Residual       bool    `json:"residual"`
	K              int     `json:"k,omitempty"`
	Threads        int     `json:"threads"`
	BLAS           string  `json:"blas"`
	ItemsMapped    bool    `json:"items_mapped"`
	RawItemBytes   int64   `json:"raw_item_bytes"`
	LoadSeconds    float64 `json:"load_seconds"`
	Epochs         int     `json:"epochs"`
	Steps          int     `json:"steps"`           // mini-batches run
	StepsPerEpoch  int     `json:"steps_per_epoch"` // of the full train split
	Partial        bool    `json:"partial"`         // -steps: only the first Steps batches ran
	TrainSeconds   float64 `json:"train_seconds"`
	EpochSeconds   float64 `json:"epoch_seconds"` // per epoch; extrapolated from Steps when partial
	PairsPerSecond float64 `json:"pairs_per_s"`
	TrainLoss      float64 `json:"train_loss"`
	ValLoss        float64 `json:"val_loss,omitempty"`
	ValPairs       int     `json:"val_pairs,omitempty"`
	EvalSeconds    float64 `json:"eval_seconds,omitempty"`   // -evaluate: PrepareEval and Evaluate over every split
	TrainAcc       float64 `json:"train_acc,omitempty"`      // -evaluate: accuracy on the train split
	EvalCacheMiB   int64   `json:"eval_cache_mib,omitempty"` // -evaluate: models.EvalCacheBytes
	PeakRSS        int64   `json:"peak_rss_bytes"`
	RSSSource      string  `json:"rss_source"`
	RSSAnon        int64   `json:"rss_anon_bytes,omitempty"` // at the end: private memory
	RSSFile        int64   `json:"rss_file_bytes,omitempty"` // at the end: mapped file pages (the items)
	RSSOverRaw     float64 `json:"rss_over_raw"`
}

func train(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("scale train", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", "", "folder written by scale gen (or any bring-your-own folder)")
	kind := fs.String("model", "pal-a", "a registered model kind: pal-a, pal-b or btl")
	epochs := fs.Int("epochs", 1, "epochs")
	batch := fs.Int("batch", 4096, "pairs per mini-batch")
	width := fs.Int("width", 64, "MLP width")
	layers := fs.Int("layers", 1, "MLP hidden layers")
	residual := fs.Bool("residual", false, "residual MLP blocks (needs width = dim)")
	k := fs.Int("k", 2, "PAL prototypes K")
	threads := fs.Int("j", runtime.NumCPU(), "threads for the matrix products (GOMAXPROCS)")
	steps := fs.Int("steps", 0, "run only the first N mini-batches of the epoch and extrapolate (0 = the whole epoch)")
	evalPairs := fs.Int("eval", 0, "measure the loss on at most this many val pairs after training (0 = none)")
	evaluate := fs.Bool("evaluate", false, "after training, evaluate every split as a run does (models.Evaluate after PrepareEval): the evaluation's memory is in the peak")
	evalCacheMB := fs.Int64("eval-cache-mb", models.EvalCacheBytes>>20, "models.EvalCacheBytes in MiB: above it the evaluation cache of f computes rows on demand")
	seed := fs.Uint64("seed", 1, "model seed")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dir == "" || *epochs < 1 || *batch < 1 || *width < 1 || *layers < 0 || *k < 1 || *threads < 1 || *steps < 0 || *evalPairs < 0 {
		return fmt.Errorf("train: want -dir and positive -epochs, -batch, -width, -k, -j; -layers, -steps, -eval >= 0")
	}
	runtime.GOMAXPROCS(*threads)
	models.SetBLASThreads(*threads)
	models.EvalCacheBytes = *evalCacheMB << 20

	t0 := time.Now()
	d, err := datasets.LoadFiles(*dir)
	if err != nil {
		return err
	}
	load := time.Since(t0).Seconds()
	trainPairs := d.Splits[datasets.Train]
	if len(trainPairs) == 0 {
		return fmt.Errorf("%s has no train pairs", *dir)
	}
	perEpoch := (len(trainPairs) + *batch - 1) / *batch
	if *steps > 0 && *steps < perEpoch {
		trainPairs = trainPairs[:*steps**batch]
	}

	cfg, err := benchkit.Config(*kind, benchkit.Size{Name: "scale", K: *k, Layers: *layers, Width: *width, Residual: *residual})
	if err != nil {
		return fmt.Errorf("train: -model: %w", err)
	}
	trainable, ok := cfg.(models.Trainable)
	if !ok {
		return fmt.Errorf("train: -model %q cannot be trained on its own (no NewObjective)", *kind)
	}
	rng := models.NewRand(*seed, seeds.FitStream)
	obj, groups, err := trainable.NewObjective(d, rng)
	if err != nil {
		return err
	}
	opt := models.NewAdam(obj.Params(), groups)

	t1 := time.Now()
	tr, err := models.Train(context.Background(), obj, opt, trainPairs, nil, models.TrainConfig{Epochs: *epochs, BatchSize: *batch}, rng)
	if err != nil {
		return err
	}
	el := time.Since(t1).Seconds()
	ran := (len(trainPairs) + *batch - 1) / *batch
	res := trainResult{
		Step: "train", Model: *kind, Items: d.NumItems(), Dim: d.Dim, Pairs: len(d.Splits[datasets.Train]), Users: len(d.Users),
		Batch: *batch, Width: *width, Layers: *layers, Residual: *residual, Threads: *threads, BLAS: models.BLAS,
		ItemsMapped: d.ItemsMapped, RawItemBytes: int64(len(d.Items)) * 4, LoadSeconds: load,
		Epochs: tr.Epochs, Steps: ran * tr.Epochs, StepsPerEpoch: perEpoch, Partial: ran < perEpoch,
		TrainSeconds: el, TrainLoss: tr.TrainLoss,
	}
	if _, hasK := sweeps.ConfigFields(cfg)["k"]; hasK {
		res.K = *k
	}
	res.EpochSeconds = el / float64(tr.Epochs) * float64(len(d.Splits[datasets.Train])) / float64(len(trainPairs))
	res.PairsPerSecond = float64(len(trainPairs)*tr.Epochs) / el
	if val := d.Splits[datasets.Val]; *evalPairs > 0 && len(val) > 0 {
		val = val[:min(len(val), *evalPairs)]
		res.ValLoss, res.ValPairs = models.EvalLoss(obj, val), len(val)
	}
	if *evaluate {
		sc, ok := obj.(interface {
			models.Scorer
			PrepareEval()
		})
		if !ok {
			return fmt.Errorf("train: -evaluate: %s's objective is not a scorer", *kind)
		}
		t2 := time.Now()
		sc.PrepareEval()
		m, err := models.Evaluate(sc, d)
		if err != nil {
			return err
		}
		res.EvalSeconds, res.TrainAcc = time.Since(t2).Seconds(), m.Splits["train"].Accuracy
		res.EvalCacheMiB = *evalCacheMB
	}
	res.PeakRSS, res.RSSSource = peakRSS()
	res.RSSAnon, res.RSSFile = statusBytes("RssAnon"), statusBytes("RssFile")
	if res.RawItemBytes > 0 {
		res.RSSOverRaw = float64(res.PeakRSS) / float64(res.RawItemBytes)
	}
	out, err := json.Marshal(res)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, string(out))
	return nil
}

// peakRSS is the process's peak resident set in bytes: VmHWM from /proc/self/status (Linux),
// else getrusage's ru_maxrss (rusage_unix.go).
func peakRSS() (int64, string) {
	if v := statusBytes("VmHWM"); v > 0 {
		return v, "VmHWM"
	}
	if v := maxRSS(); v > 0 {
		return v, "getrusage"
	}
	return 0, "none"
}

// statusBytes reads a "Name:   123 kB" line of /proc/self/status; 0 when absent.
func statusBytes(name string) int64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		rest, ok := strings.CutPrefix(line, name+":")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) == 0 {
			return 0
		}
		v, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0
		}
		if len(f) > 1 && f[1] == "kB" {
			v *= 1024
		}
		return v
	}
	return 0
}
