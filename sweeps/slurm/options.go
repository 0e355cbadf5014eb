package slurm

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Options are the Slurm settings of a submission: the spec's [slurm] table (its struct tags
// are the schema; `pal schema` lists them), overridden by the flags of `pal run --slurm`.
type Options struct {
	Partition   string   `toml:"partition" help:"partition (queue) the jobs go to; empty: the cluster's default"`
	MaxParallel int      `toml:"max_parallel" help:"most array tasks running at once (sbatch --array=0-N%max_parallel); 0: as many as Slurm allows" min:"0" max:"1000000"`
	Time        string   `toml:"time" help:"time limit of each task (sbatch --time: MM, HH:MM:SS, D-HH[:MM[:SS]]); empty: the partition's"`
	Mem         string   `toml:"mem" help:"memory of each task (sbatch --mem: a number with K, M, G or T, e.g. 4G); empty: the cluster's per-CPU default"`
	CPUsPerTask int      `toml:"cpus_per_task" help:"CPUs of each task (sbatch --cpus-per-task); a run uses that many threads, which changes no result" min:"1" max:"4096"`
	RunsPerTask int      `toml:"runs_per_task" help:"runs each array task does one after another: more than 1 for many short runs" min:"1" max:"1000000"`
	SbatchArgs  []string `toml:"sbatch_args" help:"further sbatch arguments, one word each, e.g. [\"--account=lab\", \"--qos=long\"]"`
	Report      bool     `toml:"report" help:"also submit a job that renders the report once the array has ended (sbatch --dependency=afterany)"`
}

// Default is the settings of a spec without a [slurm] table and no flags.
func Default() *Options { return &Options{CPUsPerTask: 1, RunsPerTask: 1} }

var (
	// Slurm's time formats: minutes, minutes:seconds, hours:minutes:seconds, days-hours,
	// days-hours:minutes, days-hours:minutes:seconds; or no limit.
	timeRE = regexp.MustCompile(`^(\d+(:\d+){0,2}|\d+-\d+(:\d+){0,2}|UNLIMITED|unlimited|infinite|INFINITE)$`)
	memRE  = regexp.MustCompile(`^\d+[KMGT]?$`)
)

// reserved are the sbatch options pal sets itself: given in sbatch_args they would break the
// mapping of array tasks to runs or where their logs go.
var reserved = []string{"--array", "-a", "--output", "-o", "--error", "-e", "--parsable", "--dependency", "-d", "--wrap", "--cpus-per-task", "-c", "--chdir", "-D"}

// Validate checks the settings (the spec parser calls it on [slurm]; `pal run --slurm` on the
// settings after the flags).
func (o *Options) Validate() error {
	var errs []string
	if o.Time != "" && !timeRE.MatchString(o.Time) {
		errs = append(errs, fmt.Sprintf("time %q is not a Slurm time limit: write minutes (90), HH:MM:SS (1:30:00) or D-HH:MM (2-00:00)", o.Time))
	}
	if o.Mem != "" && !memRE.MatchString(o.Mem) {
		errs = append(errs, fmt.Sprintf("mem %q is not a Slurm memory size: write a whole number with K, M, G or T (4G, 500M)", o.Mem))
	}
	if strings.ContainsAny(o.Partition, " \t\n'\"") {
		errs = append(errs, fmt.Sprintf("partition %q has a space or quote", o.Partition))
	}
	for _, a := range o.SbatchArgs {
		name, _, _ := strings.Cut(a, "=")
		switch {
		case !strings.HasPrefix(a, "-"):
			errs = append(errs, fmt.Sprintf("sbatch argument %q is not an option: give each as one word starting with -, e.g. --account=lab", a))
		case strings.ContainsAny(a, "\n\r"):
			errs = append(errs, fmt.Sprintf("sbatch argument %q spans lines", a))
		case isReserved(name):
			errs = append(errs, fmt.Sprintf("sbatch argument %q: pal sets %s itself (use runs_per_task, cpus_per_task or max_parallel)", a, name))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return nil
}

func isReserved(name string) bool {
	for _, r := range reserved {
		// short options may carry their value glued on: -c4, -afoo
		if name == r || (len(r) == 2 && strings.HasPrefix(name, r) && !strings.HasPrefix(name, "--")) {
			return true
		}
	}
	return false
}

// MemBytes is Mem in bytes (Slurm reads a number without a unit as megabytes); ok is false
// when Mem is empty.
func (o *Options) MemBytes() (n int64, ok bool) {
	if o.Mem == "" || !memRE.MatchString(o.Mem) {
		return 0, false
	}
	digits, unit := o.Mem, int64(1)<<20
	if i := strings.IndexAny(o.Mem, "KMGT"); i >= 0 {
		digits, unit = o.Mem[:i], map[byte]int64{'K': 1 << 10, 'M': 1 << 20, 'G': 1 << 30, 'T': 1 << 40}[o.Mem[i]]
	}
	v, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || v > (1<<62)/unit {
		return 1 << 62, true // more than any machine: no limit in effect
	}
	return v * unit, true
}
