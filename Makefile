# pal: two commands do everything on a fresh machine with Go:
#   make reproduce   build pal, run the paper's embedded experiments, write the reports
#   make test        vet, format check, unit tests (pure Go; again with the pure-Go float32 kernel;
#                    and with OpenBLAS when it is installed), race tests
GO      ?= go
BIN     ?= bin/pal
OUT     ?= results/reproduce
JOBS    ?= $(shell nproc 2>/dev/null || echo 2)
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse HEAD 2>/dev/null)$(shell git diff --quiet HEAD 2>/dev/null || echo +dirty)
LDFLAGS := -X main.version=$(VERSION) -X main.commit=$(COMMIT)
# Matrix multiply. float32 products (what every MLP computes in by default) run on
# internal/sgemm's Go assembly kernels in every build. float64 products (precision = "float64",
# the gradient checks, PAL's K x D prototype mixtures in every run) run on OpenBLAS's dgemm
# (gonum.org/v1/netlib, build tag openblas) when the Go toolchain's C compiler can link
# -lopenblas (Debian's libopenblas-dev), else on gonum's pure Go. OpenBLAS measured about as
# fast as gonum at the small shapes and faster at the large ones: 1.2-1.3x with the SSE3
# kernels Debian's OpenBLAS picks on this CPU, about 6x with OPENBLAS_CORETYPE=SkylakeX
# (BENCHMARKS.md, "OpenBLAS"). Its float64 results differ from gonum's in the last bits, so
# metrics differ slightly between the two builds. NOOPENBLAS=1 (or TAGS= with nothing) builds
# pure Go; TAGS=purego uses sgemm's pure-Go kernel too. `make test` tests both builds.
NOOPENBLAS ?=
HAVE_OPENBLAS := $(shell [ "$$($(GO) env CGO_ENABLED 2>/dev/null)" = 1 ] && \
	printf 'void openblas_set_num_threads(int);\nint main(void){openblas_set_num_threads(1);return 0;}\n' | \
	$$($(GO) env CC 2>/dev/null) -x c - -lopenblas -o /dev/null >/dev/null 2>&1 && echo yes)
TAGS    ?= $(if $(HAVE_OPENBLAS),$(if $(NOOPENBLAS),,openblas))
GOTAGS  := $(if $(TAGS),-tags $(TAGS),)
comma   := ,
BLAS_NOTE := matrix multiply: float32 on internal/sgemm, float64 on $(if \
	$(filter openblas,$(subst $(comma), ,$(TAGS))),OpenBLAS (-tags $(TAGS); NOOPENBLAS=1 for pure Go),gonum's pure Go$(if \
	$(HAVE_OPENBLAS), (OpenBLAS is present; TAGS=openblas uses it), (OpenBLAS not found: libopenblas-dev and cgo make float64 faster)))

# Packages that run work concurrently: their tests also run under the race detector.
RACE_PKGS := ./sweeps/ ./sweeps/runstore/ ./internal/experiment/ ./cmd/pal/ ./datasets/download/ ./datasets/embed/ ./internal/sgemm/ ./internal/par/

.PHONY: all build test vet fmt-check unit unit-purego unit-openblas no-openblas race fuzz reproduce reproduce-md reproduce-check bench bench-scale docs clean

all: build

build:
	@echo "pal: $(BLAS_NOTE)"
	$(GO) build $(GOTAGS) -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/pal

# Both matrix-multiply builds whatever TAGS is: the pure-Go one (unit, whose golden tests need
# its exact bits), sgemm's pure-Go kernel, the race tests, and the OpenBLAS build when the
# library is present.
test: vet fmt-check unit unit-purego race $(if $(HAVE_OPENBLAS),unit-openblas,no-openblas)

vet:
	$(GO) vet ./...

fmt-check:
	@files=$$(gofmt -l $$(find . -name '*.go' -not -path './results/*')); \
	if [ -n "$$files" ]; then echo "gofmt would change these files (run gofmt -w):"; echo "$$files"; exit 1; fi

# The default, pure-Go build (no tags), including the golden bit-exact metrics tests.
unit:
	$(GO) test ./...

# The pure-Go float32 matrix kernel (what non-amd64 machines run) under the models' tests.
unit-purego:
	$(GO) test -tags purego ./internal/sgemm/ ./internal/par/ ./models/

# The OpenBLAS build's tests (make test runs them when the library is present).
unit-openblas:
	$(GO) vet -tags openblas ./models/ ./bench/...
	$(GO) test -tags openblas ./models/ ./baselines/ ./internal/... ./cmd/pal/

no-openblas:
	@echo "OpenBLAS not found (libopenblas-dev and a cgo C compiler): the openblas build's tests are skipped"

race:
	$(GO) test -race $(RACE_PKGS)
	@# the models' passes and products split over goroutines, at a size where they are split
	$(GO) test -race -run 'TestThreadsDoNotChangeBits|TestGonumBlocksMatchesGonum' ./models/

# Go native fuzzing of every reader of user input, one target after another, FUZZTIME each
# (CI: the default). `go test` alone runs each target's committed corpus (testdata/fuzz/<name>/); a
# failure found here is written there too, to be fixed and kept as a regression test. New
# interesting inputs are minimised for at most FUZZMINIMIZETIME (100 runs), so short runs keep
# fuzzing rather than minimising. FUZZTIME is a number of executions (15000x: 4 to 23 s a target
# on 2 cores in CI), not a duration: with a duration Go 1.26's fuzz coordinator can fail a target with a
# bare "context deadline exceeded" when the time runs out while a worker is busy (a race in the
# toolchain, golang/go#75804, fixed in Go 1.27; seen in CI on FuzzParseSpec under load), and no
# input is at fault. A real finding always writes a failing input to testdata/fuzz.
FUZZTIME         ?= 15000x
FUZZMINIMIZETIME ?= 100x
FUZZ_TARGETS     := FuzzParseSpec:./sweeps/ FuzzExperimentSpec:./internal/experiment/ \
	FuzzReadMatrixNPY:./datasets/ FuzzParsePairs:./datasets/ \
	FuzzImportedScores:./baselines/ FuzzLoadModel:./models/
fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		name=$${t%%:*}; pkg=$${t#*:}; \
		echo "fuzz: $$name in $$pkg for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME) $$pkg; \
	done

# OpenBLAS picks its float64 kernels by CPU, and PAL-A's metrics move with them in the second
# decimal (REPRODUCE.md, "Which bits a machine reproduces"). REPRODUCE.md's numbers were made
# with the Prescott (SSE3) kernels Debian's OpenBLAS 0.3.21 picks on the development machine;
# every x86-64 CPU runs them, so make reproduce pins them there. OPENBLAS_CORETYPE=SkylakeX (or
# another kernel name) overrides: faster on a CPU that has it, and the numbers then differ
# slightly from REPRODUCE.md's.
OPENBLAS_CORETYPE ?= $(if $(filter x86_64,$(shell uname -m)),Prescott,)
BLAS_ENV := $(if $(OPENBLAS_CORETYPE),OPENBLAS_CORETYPE=$(OPENBLAS_CORETYPE),)

reproduce: build
	$(BLAS_ENV) ./$(BIN) reproduce --out $(OUT) -j $(JOBS)

# REPRODUCE.md's generated tables (the blocks between <!-- pal:begin NAME --> and
# <!-- pal:end -->) and the numbers of its prose (<!-- pal:value ... -->) from the stores of
# `make reproduce`; the text around them is kept.
reproduce-md: build
	./$(BIN) reproduce-md --file REPRODUCE.md $(wildcard $(OUT)/*/)

# The synthetic experiment rerun from nothing must give REPRODUCE.md's synthetic tables and
# numbers to the bit (about 30 s on 2 cores; CI runs it). It needs the build the numbers were
# made with, OpenBLAS, and says so and skips without it.
CHECK_OUT ?= results/reproduce-check
reproduce-check: build
ifeq ($(filter openblas,$(subst $(comma), ,$(TAGS))),openblas)
	rm -rf $(CHECK_OUT)
	$(BLAS_ENV) ./$(BIN) reproduce --only synthetic --out $(CHECK_OUT) -j $(JOBS)
	./$(BIN) reproduce-md --file REPRODUCE.md --check $(CHECK_OUT)/synthetic
else
	@echo "reproduce-check skipped: REPRODUCE.md's numbers come from the OpenBLAS build (libopenblas-dev and cgo); this build's float64 products are gonum's"
endif

docs:
	$(GO) test ./cmd/pal -run SpecReference -update

# Training-speed benchmarks (BENCHMARKS.md). -short leaves out the batch-4096 steps, epochs
# and evaluations (about 30 s a step); BENCHFLAGS= runs them too.
BENCH      ?= .
BENCHCOUNT ?= 6
BENCHFLAGS ?= -short
bench:
	@echo "pal: $(BLAS_NOTE)"
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
	@echo "pal: $(BLAS_NOTE)"
	$(GO) build $(GOTAGS) -o bin/pal-scale ./bench/scale
	@if [ -f $(SCALE_DIR)/items.npy ] && [ -f $(SCALE_DIR)/pairs.csv ]; then echo "using $(SCALE_DIR) (delete it to regenerate)"; \
	else ./bin/pal-scale gen -dir $(SCALE_DIR) -items $(SCALE_ITEMS) -dim $(SCALE_DIM) -pairs $(SCALE_PAIRS) -users $(SCALE_USERS) -seed $(SCALE_SEED); fi
	./bin/pal-scale train -dir $(SCALE_DIR) $(SCALE_TRAIN)

clean:
	rm -rf bin results
