# pal: two commands do everything on a fresh machine with Go:
#   make reproduce   build pal, run the paper's embedded experiments, write the reports
#   make test        vet, format check, unit tests, race tests of the concurrent packages
GO      ?= go
BIN     ?= bin/pal
OUT     ?= results/reproduce
JOBS    ?= $(shell nproc 2>/dev/null || echo 2)
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse HEAD 2>/dev/null)$(shell git diff --quiet HEAD 2>/dev/null || echo +dirty)
LDFLAGS := -X main.version=$(VERSION) -X main.commit=$(COMMIT)

# Packages that run work concurrently: their tests also run under the race detector.
RACE_PKGS := ./sweeps/ ./internal/experiment/ ./cmd/pal/ ./datasets/download/ ./datasets/embed/

.PHONY: all build test vet fmt-check unit race reproduce bench docs clean

all: build

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/pal

test: vet fmt-check unit race

vet:
	$(GO) vet ./...

fmt-check:
	@files=$$(gofmt -l $$(find . -name '*.go' -not -path './results/*')); \
	if [ -n "$$files" ]; then echo "gofmt would change these files (run gofmt -w):"; echo "$$files"; exit 1; fi

unit:
	$(GO) test ./...

race:
	$(GO) test -race $(RACE_PKGS)

reproduce: build
	./$(BIN) reproduce --out $(OUT) -j $(JOBS)

docs:
	$(GO) test ./cmd/pal -run SpecReference -update

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./models/

clean:
	rm -rf bin results
