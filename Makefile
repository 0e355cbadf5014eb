# pal: two commands do everything on a fresh machine with Go:
#   make reproduce   build pal, run the paper's embedded experiments, write the reports
#   make test        vet, format check, unit tests (also with the pure-Go matrix kernel), race tests
GO      ?= go
BIN     ?= bin/pal
OUT     ?= results/reproduce
JOBS    ?= $(shell nproc 2>/dev/null || echo 2)
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse HEAD 2>/dev/null)$(shell git diff --quiet HEAD 2>/dev/null || echo +dirty)
LDFLAGS := -X main.version=$(VERSION) -X main.commit=$(COMMIT)
# Matrix multiply: pure Go by default (internal/sgemm's assembly kernels for float32, gonum for
# float64; same bits at any thread count). TAGS=openblas multiplies with OpenBLAS through
# gonum.org/v1/netlib instead (needs Debian's libopenblas-dev; not faster here, last bits
# differ: BENCHMARKS.md), TAGS=purego uses sgemm's pure-Go kernel.
TAGS    ?=
GOTAGS  := $(if $(TAGS),-tags $(TAGS),)

# Packages that run work concurrently: their tests also run under the race detector.
RACE_PKGS := ./sweeps/ ./internal/experiment/ ./cmd/pal/ ./datasets/download/ ./datasets/embed/ ./internal/sgemm/ ./internal/par/

.PHONY: all build test vet fmt-check unit unit-purego unit-openblas race reproduce bench bench-scale docs clean

all: build

build:
	$(GO) build $(GOTAGS) -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/pal

test: vet fmt-check unit unit-purego race

vet:
	$(GO) vet ./...

fmt-check:
	@files=$$(gofmt -l $$(find . -name '*.go' -not -path './results/*')); \
	if [ -n "$$files" ]; then echo "gofmt would change these files (run gofmt -w):"; echo "$$files"; exit 1; fi

unit:
	$(GO) test $(GOTAGS) ./...

# The pure-Go float32 matrix kernel (what non-amd64 machines run) under the models' tests.
unit-purego:
	$(GO) test -tags purego ./internal/sgemm/ ./internal/par/ ./models/

# The OpenBLAS path's tests (CI runs them when libopenblas-dev is installed).
unit-openblas:
	$(GO) vet -tags openblas ./models/ ./bench/...
	$(GO) test -tags openblas ./models/ ./baselines/ ./internal/... ./cmd/pal/

race:
	$(GO) test -race $(RACE_PKGS)

reproduce: build
	./$(BIN) reproduce --out $(OUT) -j $(JOBS)

docs:
	$(GO) test ./cmd/pal -run SpecReference -update

# Training-speed benchmarks (BENCHMARKS.md). -short leaves out the batch-4096 steps, epochs
# and evaluations (about 30 s a step); BENCHFLAGS= runs them too.
BENCH      ?= .
BENCHCOUNT ?= 6
BENCHFLAGS ?= -short
bench:
	$(GO) test $(GOTAGS) -run '^$$' -bench '$(BENCH)' $(BENCHFLAGS) -benchmem -count $(BENCHCOUNT) -timeout 3h ./models/ | tee bench.txt
	@if command -v benchstat >/dev/null 2>&1; then benchstat bench.txt; \
	else echo "summarise with benchstat: go install golang.org/x/perf/cmd/benchstat@latest && benchstat bench.txt"; fi

# Memory-scale benchmark of issue 5 (bench/scale, BENCHMARKS.md): a Pick-a-Pic-sized synthetic
# folder (items.npy alone is SCALE_ITEMS x SCALE_DIM x 4 bytes: 4 GB by default) written once to
# SCALE_DIR, then one epoch in a fresh process that prints epoch time and peak RSS as JSON.
SCALE_DIR   ?= /tmp/pal-scale
SCALE_ITEMS ?= 1000000
SCALE_DIM   ?= 1024
SCALE_PAIRS ?= 1000000
SCALE_USERS ?= 5000
SCALE_SEED  ?= 1
SCALE_TRAIN ?= -model pal-a -epochs 1 -batch 4096 -width 64 -layers 1 -k 2
bench-scale:
	$(GO) build $(GOTAGS) -o bin/pal-scale ./bench/scale
	@if [ -f $(SCALE_DIR)/items.npy ] && [ -f $(SCALE_DIR)/pairs.csv ]; then echo "using $(SCALE_DIR) (delete it to regenerate)"; \
	else ./bin/pal-scale gen -dir $(SCALE_DIR) -items $(SCALE_ITEMS) -dim $(SCALE_DIM) -pairs $(SCALE_PAIRS) -users $(SCALE_USERS) -seed $(SCALE_SEED); fi
	./bin/pal-scale train -dir $(SCALE_DIR) $(SCALE_TRAIN)

clean:
	rm -rf bin results
