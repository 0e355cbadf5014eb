// Command pal runs PAL experiments from TOML specs and renders their reports.
//
//	pal run SPEC.toml [-j N] [--out DIR]   run every run of a spec (resumable)
//	pal run SPEC.toml --slurm [...]        submit the runs as a Slurm array job (slurm.go)
//	pal status DIR                         runs done, failed, running, pending (status.go)
//	pal report DIR [--out DIR]             render the report of a run store
//	pal reproduce [--out DIR] [-j N]       run the paper's embedded experiments and report them
//	pal reproduce-md STORE...              rewrite REPRODUCE.md's generated tables from run stores
//	pal data list|fetch|info               the named data sets: on disk?, download, counts
//	pal score MODEL --items F --user ID    rewards of items for a user from a saved model
//	pal schema                             print every spec key with its type, default and range
//	pal version                            print version, commit, Go version and matrix multiply
//
// Exit codes: 0 success; 1 some run failed (the others finished and are kept); 2 bad spec,
// bad data or bad arguments (nothing run); 130 interrupted (completed runs are kept; run the
// same command again to resume).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/pal-harness/pal/datasets"
	"github.com/pal-harness/pal/datasets/catalog"
	"github.com/pal-harness/pal/internal/experiment"
	"github.com/pal-harness/pal/internal/sgemm"
	"github.com/pal-harness/pal/internal/sysmem"
	"github.com/pal-harness/pal/models"
	"github.com/pal-harness/pal/paper"
	"github.com/pal-harness/pal/reports"
	"github.com/pal-harness/pal/sweeps"
	"github.com/pal-harness/pal/sweeps/runstore"
)

// version and commit are set at build time by the Makefile (-ldflags "-X main.version=...
// -X main.commit=..."); commit falls back on the VCS stamp of the Go toolchain when it is there
// (it is not when GOFLAGS has -buildvcs=false, as on some machines).
var (
	version = "dev"
	commit  = ""
)

// Exit codes, as ARCHITECTURE.md fixes them.
const (
	exitOK          = 0
	exitRunsFailed  = 1
	exitBadInput    = 2
	exitInterrupted = 130
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return exitBadInput
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "run":
		return cmdRun(rest, stdout, stderr)
	case "report":
		return cmdReport(rest, stdout, stderr)
	case "status":
		return cmdStatus(rest, stdout, stderr)
	case "run-one":
		return cmdRunOne(rest, stdout, stderr)
	case "reproduce":
		return cmdReproduce(rest, stdout, stderr)
	case "reproduce-md":
		return cmdReproduceMD(rest, stdout, stderr)
	case "data":
		return cmdData(rest, stdout, stderr)
	case "score":
		return cmdScore(rest, stdout, stderr)
	case "schema":
		return cmdPrint("pal schema\n\nPrints every spec key (Markdown): type, default, allowed values, meaning.",
			rest, stderr, func() { fmt.Fprint(stdout, sweeps.DescribeSchema(experiment.Schema())) })
	case "version":
		return cmdPrint("pal version\n\nPrints the version, git commit, Go version, platform and the matrix-multiply libraries of the build.",
			rest, stderr, func() { fmt.Fprintln(stdout, versionLine()) })
	case "-h", "-help", "--help", "help":
		usage(stdout)
		return exitOK
	default:
		fmt.Fprintf(stderr, "pal: unknown command %q\n\n", cmd)
		usage(stderr)
		return exitBadInput
	}
}

func usage(w io.Writer) {
	fmt.Fprint(w, `pal: PAL (pluralistic alignment) experiments from TOML specs.

Usage:
  pal run SPEC.toml [-j N] [--out DIR]   run every run of a spec; rerunning skips complete runs
  pal run SPEC.toml --slurm [--partition P] [--max-parallel N] [--time T] [--mem M] [--report]
                                         submit the runs as a Slurm array job into the run store
  pal status DIR                         runs done, failed (why), running, pending; exit 0 when complete
  pal report DIR [--out DIR]             render report.html, figures and tables of a run store
  pal reproduce [--out DIR] [-j N]       run the paper's embedded experiments and their reports
  pal reproduce-md STORE...              rewrite REPRODUCE.md's generated tables from run stores
  pal data list                          the named data sets, what is on disk, sizes, licences
  pal data fetch NAME                    download a data set into the cache (resumable)
  pal data info NAME|DIR                 items, users, pairs per split and groups of a data set
  pal score MODEL --items F (--user ID | --weights W)   rewards of items from a saved model
  pal schema                             list every spec key: type, default, allowed values
  pal version                            print version, commit, Go version and matrix multiply

Run "pal COMMAND -h" for a command's flags. Exit codes: 0 ok, 1 some run failed,
2 bad spec, data or arguments (nothing run), 130 interrupted (rerun to resume).
`)
}

// parseInterleaved parses flags that may come before or after positional arguments
// ("pal run spec.toml -j 4" as well as "pal run -j 4 spec.toml").
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// parseArgs parses args with fs (flags and positional arguments in any order) and checks that
// there are n positional arguments. When there are not, it says so on fs's output, as
// "<command>: hint" (hint: what the command wants, with an example), or for a command that
// takes none by naming the first unexpected argument, followed by hint; ok is then false and
// code the exit code (0 for -h).
func parseArgs(fs *flag.FlagSet, args []string, n int, hint string) (pos []string, code int, ok bool) {
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return nil, flagExit(err), false
	}
	if len(pos) == n {
		return pos, exitOK, true
	}
	if n == 0 {
		hint = strings.TrimSpace(fmt.Sprintf("unexpected argument %q %s", pos[0], hint))
	}
	fmt.Fprintf(fs.Output(), "%s: %s\n", fs.Name(), hint)
	return nil, exitBadInput, false
}

func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// execFlags are the flags of the commands that execute runs (pal run, pal reproduce): runs at
// once, and the cache folder ("" when there is none: data sets are then looked for elsewhere
// and embeddings are not cached).
type execFlags struct {
	jobs             int
	cache, cacheFlag string
}

func addExecFlags(fs *flag.FlagSet) *execFlags {
	e := &execFlags{}
	fs.IntVar(&e.jobs, "j", runtime.NumCPU(), "runs at once")
	fs.StringVar(&e.cacheFlag, "cache", "", "cache folder of downloaded data and embeddings (default $PAL_CACHE, else the user cache folder + /pal)")
	return e
}

// parse is parseArgs, then checks -j (at least 1) and finds the cache folder.
func (e *execFlags) parse(fs *flag.FlagSet, args []string, n int, hint string) (pos []string, code int, ok bool) {
	if pos, code, ok = parseArgs(fs, args, n, hint); !ok {
		return nil, code, false
	}
	if e.jobs < 1 {
		fmt.Fprintf(fs.Output(), "%s: -j %d: want at least 1\n", fs.Name(), e.jobs)
		return nil, exitBadInput, false
	}
	e.cache, _ = catalog.CacheDir(e.cacheFlag, os.Getenv) // "" when it fails
	return pos, exitOK, true
}

func cmdRun(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("pal run", "pal run SPEC.toml [-j N] [--out DIR] [--no-report] [--save-models]\n\n"+
		"Runs every run of the spec, at most N at once, into DIR (default results/<spec name>):\n"+
		"DIR/<run id>/result.json per run and DIR/runs.csv; then renders DIR/report.\n"+
		"Runs already complete in DIR are skipped, so an interrupted sweep resumes.\n"+
		"With --slurm the runs are submitted as a Slurm array job instead (README: On a cluster).\n"+
		"The spec format is in README.md; `pal schema` lists every key.", stderr)
	ex := addExecFlags(fs)
	out := fs.String("out", "", "output folder (default results/<spec name>)")
	noReport := fs.Bool("no-report", false, "do not render the report after the runs")
	saveModels := fs.Bool("save-models", false, "keep each run's fitted model as DIR/<run id>/model.safetensors (for pal score): PAL-A, PAL-B, BTL, lore, user-id, individual, dpl and vpl; mix-btl, imported and zero-shot runs keep none")
	sl := addSlurmFlags(fs)
	pos, code, ok := ex.parse(fs, args, 1, "want exactly one spec file, e.g. pal run sweep.toml")
	if !ok {
		return code
	}
	spec, err := sweeps.Parse(pos[0], experiment.Schema())
	if err != nil {
		printSpecError(stderr, err)
		return exitBadInput
	}
	dir := *out
	if dir == "" {
		dir = filepath.Join("results", spec.Name)
	}
	if so, err := sl.options(spec); err != nil {
		fmt.Fprintf(stderr, "pal run: %v\n", err)
		return exitBadInput
	} else if sl.on {
		return submitSlurm(spec, filepath.Dir(pos[0]), dir, ex.cache, *saveModels, so, stdout, stderr)
	}
	code = execute(spec, filepath.Dir(pos[0]), dir, ex.jobs, ex.cache, *saveModels, stderr)
	if code == exitBadInput || code == exitInterrupted || *noReport {
		return code
	}
	if rc := renderReport(dir, filepath.Join(dir, "report"), stdout, stderr); rc != exitOK {
		return rc
	}
	return code
}

// execute runs a parsed spec and maps the outcome to an exit code. It takes the run store's
// lock before anything else, so that a second pal writing the same store stops at once.
func execute(spec *sweeps.Spec, specDir, out string, jobs int, cache string, saveModels bool, stderr io.Writer) int {
	_, statErr := os.Stat(out)
	store, err := runstore.Create(out, commandLine())
	if err != nil {
		fmt.Fprintf(stderr, "pal: %v\n", err)
		return exitBadInput
	}
	defer store.Close()
	runner := &experiment.Runner{Env: datasets.Env{SpecDir: specDir, CacheDir: cache}, SaveModels: saveModels}
	err = slurmBusy(store) // Slurm tasks of this store still at work
	if limit, source, ok := sysmem.Limit(); ok && err == nil {
		var warn string
		if warn, err = runner.CheckMemory(spec, jobs, limit, source); warn != "" {
			fmt.Fprintf(stderr, "pal: warning: %s\n", warn)
		}
	}
	if err == nil {
		err = runner.Preflight(spec)
	}
	if err != nil {
		fmt.Fprintf(stderr, "pal: %v\n", err)
		store.Close()
		if statErr != nil {
			os.Remove(out) // created for the lock, and nothing ran: leave no empty folder
		}
		return exitBadInput
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fmt.Fprintf(stderr, "pal: %s: %d runs, %d at once, into %s\n", spec.Name, len(spec.Runs), jobs, out)
	sum, err := sweeps.Execute(ctx, spec, sweeps.Options{
		Store:      store,
		Jobs:       jobs,
		Progress:   stderr,
		Terminal:   isTerminal(stderr),
		Provenance: provenance(),
		Plan:       runner.Plan,
	}, runner.Run)
	switch {
	case errors.Is(err, context.Canceled):
		fmt.Fprintf(stderr, "pal: interrupted; completed runs are kept in %s: run the same command again to resume\n", out)
		return exitInterrupted
	case err != nil:
		fmt.Fprintf(stderr, "pal: %v\n", err)
		return exitRunsFailed
	case sum.Failed > 0:
		fmt.Fprintf(stderr, "pal: %d runs failed; their reasons are in %s/runs.csv (column error)\n", sum.Failed, out)
		return exitRunsFailed
	}
	return exitOK
}

// commandLine is this process's command, for the run store's lock (others' errors name it).
func commandLine() string {
	args := append([]string{"pal"}, os.Args[1:]...)
	s := strings.Join(args, " ")
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}

func cmdReport(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("pal report", "pal report DIR [--out DIR]\n\n"+
		"Renders report.html, figures/ and tables/ from the run store DIR (never re-trains).", stderr)
	out := fs.String("out", "", "output folder (default DIR/report)")
	baseline := fs.String("baseline", "", "model name the paired table compares against (default btl)")
	spec := reportFlags(fs) // report_flags.go: the spec's [report] table as flags
	pos, code, ok := parseArgs(fs, args, 1, "want exactly one run store folder, e.g. pal report results/synthetic")
	if !ok {
		return code
	}
	opts, err := spec()
	if err != nil {
		fmt.Fprintf(stderr, "pal report: %v\n", err)
		return exitBadInput
	}
	opts.Baseline = *baseline
	dir := *out
	if dir == "" {
		dir = filepath.Join(pos[0], "report")
	}
	rebuildAfterSlurm(pos[0], stderr) // Slurm tasks do not write runs.csv (status.go)
	return renderReportOpts(pos[0], dir, opts, stdout, stderr)
}

func renderReport(store, out string, stdout, stderr io.Writer) int {
	return renderReportOpts(store, out, reports.Options{}, stdout, stderr)
}

func renderReportOpts(store, out string, opts reports.Options, stdout, stderr io.Writer) int {
	opts.Warnings = prefixWriter{w: stderr, prefix: "pal report: warning: "}
	if err := reports.Render(store, out, opts); err != nil {
		fmt.Fprintf(stderr, "pal report: %v\n", err)
		return exitBadInput
	}
	fmt.Fprintf(stdout, "report: %s\n", filepath.Join(out, "report.html"))
	return exitOK
}

func cmdReproduce(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("pal reproduce", "pal reproduce [--out DIR] [-j N] [--only NAME] [--seeds N] [--list]\n\n"+
		"Runs every experiment of the paper embedded in the binary (see REPRODUCE.md) into\n"+
		"DIR/<experiment> and renders DIR/<experiment>/report/report.html. Resumable.\n"+
		"An experiment needing a downloaded data set that is not on disk is skipped with a note\n"+
		"naming the command that fetches it (with --only it is an error).", stderr)
	out := fs.String("out", filepath.Join("results", "reproduce"), "output folder")
	ex := addExecFlags(fs)
	only := fs.String("only", "", "run only the named experiment (e.g. synthetic)")
	list := fs.Bool("list", false, "list every experiment, whether its data is on disk, its size, and the command that gets it; run nothing")
	nSeeds := fs.Int("seeds", 0, "run only each experiment's first N seeds (0 = all): a quick end-to-end check before the full run")
	sl := addSlurmFlags(fs)
	_, code, ok := ex.parse(fs, args, 0, "(flags only)")
	if !ok {
		return code
	}
	if *list {
		return listExperiments(stdout, datasets.Env{CacheDir: ex.cache})
	}
	if *nSeeds < 0 {
		fmt.Fprintf(stderr, "pal reproduce: --seeds %d: want 0 (all) or a positive number\n", *nSeeds)
		return exitBadInput
	}
	code, ran := exitOK, 0
	var names []string
	skipped := map[string]string{}
	for _, ps := range paper.Specs() {
		names = append(names, ps.Name)
		if *only != "" && ps.Name != *only {
			continue
		}
		ran++
		spec, err := sweeps.ParseBytes(ps.Path, ps.Source, experiment.Schema())
		if err != nil { // an embedded spec that does not parse is a bug of ours
			printSpecError(stderr, err)
			return exitBadInput
		}
		firstSeeds(spec, *nSeeds)
		// An experiment whose downloaded data is not on disk is skipped, saying how to fetch it.
		if err := (&experiment.Runner{Env: datasets.Env{CacheDir: ex.cache}}).MissingData(spec); err != nil {
			if *only != "" {
				fmt.Fprintf(stderr, "pal reproduce: %s: %v\n", ps.Name, err)
				return exitBadInput
			}
			fmt.Fprintf(stderr, "pal reproduce: skipping %s: %v\n", ps.Name, err)
			skipped[ps.Name] = err.Error()
			continue
		}
		dir := filepath.Join(*out, ps.Name)
		if so, err := sl.options(spec); err != nil || sl.on { // --slurm: submit each experiment (slurm.go)
			if err != nil {
				fmt.Fprintf(stderr, "pal reproduce: %s: %v\n", ps.Name, err)
				return exitBadInput
			}
			if rc := submitSlurm(spec, "", dir, ex.cache, false, so, stdout, stderr); rc != exitOK {
				return rc
			}
			continue
		}
		rc := execute(spec, "", dir, ex.jobs, ex.cache, false, stderr)
		if rc == exitInterrupted || rc == exitBadInput {
			return rc
		}
		code = max(code, rc)
		if rc := renderReport(dir, filepath.Join(dir, "report"), stdout, stderr); rc != exitOK {
			return rc
		}
	}
	if ran == 0 {
		fmt.Fprintf(stderr, "pal reproduce: no experiment named %q; there are: %s\n", *only, strings.Join(names, ", "))
		return exitBadInput
	}
	writeReproduceIndex(*out, skipped, stdout, stderr)
	return code
}

// cmdPrint runs a command that takes no arguments and only prints.
func cmdPrint(synopsis string, args []string, stderr io.Writer, print func()) int {
	fs := newFlagSet(strings.Fields(synopsis)[0]+" "+strings.Fields(synopsis)[1], synopsis, stderr)
	_, code, ok := parseArgs(fs, args, 0, "")
	if !ok {
		return code
	}
	print()
	return exitOK
}

func flagExit(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	return exitBadInput
}

// printSpecError prints every error of a spec, one per line.
func printSpecError(w io.Writer, err error) {
	if errs := sweeps.Errors(err); len(errs) > 0 {
		for _, e := range errs {
			fmt.Fprintln(w, e)
		}
		fmt.Fprintf(w, "pal: the spec has %d error(s); nothing was run. `pal schema` lists every key.\n", len(errs))
		return
	}
	fmt.Fprintf(w, "pal: %v\n", err)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func provenance() runstore.Provenance {
	return runstore.Provenance{PalVersion: version, GitCommit: gitCommit(), GoVersion: runtime.Version(), BLAS: blasLine()}
}

// gitCommit is the VCS revision the Go toolchain stamped into the binary, with "+dirty" when
// the work tree had changes; empty when built outside a checkout.
func gitCommit() string {
	if commit != "" {
		return commit
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	var rev, dirty string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+dirty"
			}
		}
	}
	if rev == "" {
		return ""
	}
	return rev + dirty
}

func versionLine() string {
	c := gitCommit()
	if c == "" {
		c = "unknown commit"
	}
	return fmt.Sprintf("pal %s (%s, %s %s/%s; %s)", version, c, runtime.Version(), runtime.GOOS, runtime.GOARCH, blasLine())
}

// blasLine names the matrix multiplies of the build, whose last bits the metrics depend on:
// the sgemm kernel of float32 products and the BLAS of float64 ones (gonum, or OpenBLAS with
// the openblas build tag, with the kernels it picked: "openblas/Prescott").
func blasLine() string {
	f64 := models.BLAS
	if k := models.BLASKernels(); k != "" {
		f64 += "/" + k
	}
	return fmt.Sprintf("float32 matmul sgemm/%s, float64 matmul %s", sgemm.Kernel(), f64)
}

// prefixWriter writes each line it gets with a prefix.
type prefixWriter struct {
	w      io.Writer
	prefix string
}

func (p prefixWriter) Write(b []byte) (int, error) {
	for _, line := range strings.SplitAfter(string(b), "\n") {
		if line != "" {
			if _, err := io.WriteString(p.w, p.prefix+line); err != nil {
				return 0, err
			}
		}
	}
	return len(b), nil
}
