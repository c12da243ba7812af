package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"gapbench/arms"
	"gapbench/hypotheses"
	"gapbench/progress"
	"gapbench/recipe"
	"gapbench/reports"
	"gapbench/runner"
	"gapbench/shard"
	"gapbench/store"
)

// runFlags are the flags of gapbench run.
type runFlags struct {
	suite, budget, protocol, csv, curves, results, shard, armsFile, addArm, against, pairs string
	seeds, workers                                                                         int
	quiet                                                                                  bool
}

// newFlagSet returns the flag set of a subcommand; on a bad flag it prints that
// subcommand's usage, not the whole manual.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("gapbench "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: gapbench %s [flags]\n", name)
		fs.PrintDefaults()
		fmt.Fprintln(stderr, "(gapbench help prints the manual)")
	}
	return fs
}

// visited returns the names of the flags given on the command line.
func visited(fs *flag.FlagSet) map[string]bool {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return set
}

// runFlagSet declares the flags of gapbench run into f.
func runFlagSet(f *runFlags, stderr io.Writer) *flag.FlagSet {
	fs := newFlagSet("run", stderr)
	fs.StringVar(&f.suite, "suite", "all", "suite to run, or all")
	fs.StringVar(&f.budget, "budget", "quick", "smoke, quick or full")
	fs.StringVar(&f.protocol, "protocol", "all", "recipe, tuned, frontier (comma-separated) or all")
	fs.IntVar(&f.seeds, "seeds", 0, "seeds per arm (0: the budget's)")
	fs.IntVar(&f.workers, "workers", 0, "concurrent runs (0: GOMAXPROCS)")
	fs.StringVar(&f.csv, "csv", "", "write one row per (suite, arm, seed, metric) to this file")
	fs.StringVar(&f.curves, "curves", "", "write every run's training curves (suite, arm, seed, step, metric, value) to this file")
	fs.StringVar(&f.results, "results", "results", "results store directory")
	fs.StringVar(&f.shard, "shard", "", "run slice i/n of the sweep (auto/n: from the job-array index)")
	fs.StringVar(&f.armsFile, "arms-file", "", "JSON or YAML file of extra arms")
	fs.StringVar(&f.addArm, "add-arm", "", "comma-separated arms to add to the suite")
	fs.StringVar(&f.against, "against", "", "the arm an added arm's claim compares with (default: the suite's baseline, dpo)")
	fs.StringVar(&f.pairs, "pairs", "", "JSONL preference pairs to use instead of the world's")
	fs.BoolVar(&f.quiet, "q", false, "no progress output")
	return fs
}

func parseRun(args []string, stderr io.Writer) (runFlags, error) {
	var f runFlags
	fs := runFlagSet(&f, stderr)
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return f, err
		}
		return f, usageError{err}
	}
	if fs.NArg() > 0 {
		return f, usagef("unexpected argument %q", fs.Arg(0))
	}
	set := visited(fs)
	if f.seeds < 0 || (f.seeds == 0 && set["seeds"]) {
		return f, usagef("--seeds must be >= 1, got %d", f.seeds)
	}
	if f.workers < 0 || (f.workers == 0 && set["workers"]) {
		return f, usagef("--workers must be >= 1, got %d", f.workers)
	}
	return f, nil
}

// plan is a validated run: the suites, budget, seeds and jobs.
type plan struct {
	suites    []*hypotheses.Suite
	theory    bool
	budget    hypotheses.Budget
	protocols []string
	seeds     int
	jobs      []runner.Job
}

// makePlan validates every input and lists the jobs, before anything runs.
func makePlan(f runFlags) (*plan, error) {
	b, err := hypotheses.GetBudget(f.budget)
	if err != nil {
		return nil, usageError{err}
	}
	protocols, err := hypotheses.ParseProtocols(f.protocol)
	if err != nil {
		return nil, usageError{err}
	}
	p := &plan{budget: b, seeds: b.Seeds, protocols: protocols}
	if f.seeds > 0 {
		p.seeds = f.seeds
	}
	switch strings.ToLower(f.suite) {
	case "all":
		p.suites, p.theory = hypotheses.All(), true
	case "theory":
		p.theory = true
	default:
		s, err := hypotheses.Get(f.suite)
		if err != nil {
			return nil, usageError{err}
		}
		p.suites = []*hypotheses.Suite{s}
	}
	if f.addArm != "" && len(p.suites) != 1 {
		return nil, usagef("--add-arm needs one --suite, got %q", f.suite)
	}
	if p.suites, err = addArms(p.suites, f.suite, f.armsFile, f.addArm, f.against); err != nil {
		return nil, err
	}
	if len(p.suites) == 0 {
		// The theory checks are exact: they have no runs, no CSV rows and no pairs.
		if f.csv != "" {
			return nil, usagef("--csv: --suite theory has no runs to write (its exact checks are printed); drop --csv or choose a suite with runs")
		}
		if f.curves != "" {
			return nil, usagef("--curves: --suite theory has no runs and so no training curves; drop --curves or choose a suite with runs")
		}
		if f.pairs != "" {
			return nil, usagef("--pairs: --suite theory uses exact tabular worlds, not preference pairs; drop --pairs or choose a suite with runs")
		}
	}
	if f.pairs != "" {
		if err := p.usePairs(f.pairs); err != nil {
			return nil, err
		}
	}
	if len(p.suites) > 0 {
		runs := 0
		for _, pr := range p.protocols {
			for _, s := range p.suites {
				if s.HasProtocol(pr) {
					runs += len(s.ArmsUnder(pr, p.budget)) * p.seeds
				}
			}
		}
		if runs > runner.MaxRuns {
			return nil, usagef("--seeds %d: the sweep would have %d runs, more than the %d a sweep may hold (runner.MaxRuns); use fewer seeds", p.seeds, runs, runner.MaxRuns)
		}
		jobs, err := hypotheses.ProtocolJobs(p.suites, p.protocols, p.budget, p.seeds)
		if err != nil {
			return nil, usageError{err}
		}
		if err := runner.CheckData(jobs); err != nil {
			if f.pairs != "" {
				return nil, usagef("--pairs: %w", err)
			}
			return nil, usageError{err}
		}
		p.jobs = jobs
	}
	return p, nil
}

// usePairs points every suite's data at a pairs file; runner.CheckData checks it
// against each run's own world before anything runs.
func (p *plan) usePairs(path string) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return usagef("--pairs: %w", err)
	}
	sum := runner.FileHash(raw)
	for _, s := range p.suites {
		for _, a := range s.Arms {
			if src, ok := a.Diff["data.source"]; ok && src != recipe.DataFile {
				return usagef("--pairs: suite %s's arm %s brings its own data (data.source %v), so one pairs file cannot stand in for every arm's; run --pairs with a suite whose arms share the data (gap, H1, H2, H3, H5, H6), or give %s its pairs in an arm file (data.source: file)",
					s.Name, a.Name, src, a.Name)
			}
		}
	}
	for i, s := range p.suites {
		c := *s
		c.Settings = recipe.Diff{}
		for k, v := range s.Settings {
			c.Settings[k] = v
		}
		c.Settings["data.source"] = recipe.DataFile
		c.Settings["data.file"] = path
		c.Settings["data.file_hash"] = sum
		p.suites[i] = &c
	}
	return nil
}

// addArms returns suites with the arms named in addArm (comma-separated;
// registered, or loaded from armsFile) added to the suite called name, each
// with a context claim against the arm named by against (default: the suite's
// baseline). The registered suite is copied, never changed. Loading arms
// without naming any to add is an error.
func addArms(suites []*hypotheses.Suite, name, armsFile, addArm, against string) ([]*hypotheses.Suite, error) {
	extra := map[string]arms.Arm{}
	if armsFile != "" {
		loaded, err := arms.LoadFile(armsFile)
		if err != nil {
			return nil, usagef("--arms-file: %w", err)
		}
		for _, a := range loaded {
			extra[a.Name] = a
		}
	}
	if addArm == "" {
		if len(extra) > 0 {
			return nil, usagef("--arms-file loads arms; name the ones to run with --add-arm")
		}
		if against != "" {
			return nil, usagef("--against names the comparison arm of --add-arm, which is not given")
		}
		return suites, nil
	}
	target, err := hypotheses.Get(name)
	if err != nil {
		return nil, usagef("--add-arm needs one --suite: %w", err)
	}
	out := slices.Clone(suites)
	i := slices.IndexFunc(out, func(s *hypotheses.Suite) bool { return s.Name == target.Name })
	if i < 0 {
		return nil, usagef("--add-arm: suite %s is not in the study", target.Name)
	}
	s := *out[i] // a copy: the registered suite stays as it is
	s.Arms = slices.Clone(s.Arms)
	s.Claims = slices.Clone(s.Claims)
	for _, n := range strings.Split(addArm, ",") {
		n = strings.TrimSpace(n)
		a, ok := extra[n]
		if !ok {
			if a, err = arms.Get(n); err != nil {
				return nil, usagef("--add-arm: %w", err)
			}
		}
		if err := s.AddArm(a, against); err != nil {
			return nil, usagef("--add-arm: %w", err)
		}
	}
	out[i] = &s
	return out, nil
}

func cmdRun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f, err := parseRun(args, stderr)
	if err == flag.ErrHelp {
		return nil
	}
	if err != nil {
		return err
	}
	p, err := makePlan(f)
	if err != nil {
		return err
	}
	sh, err := shard.ParseEnv(f.shard, os.Getenv)
	if err != nil {
		return usageError{err}
	}
	for _, file := range []struct{ flag, path string }{{"--csv", f.csv}, {"--curves", f.curves}} {
		if file.path == "" {
			continue
		}
		if err := checkDir(file.flag, file.path); err != nil {
			return err
		}
		if st, err := os.Stat(file.path); err == nil && !st.Mode().IsRegular() {
			return usagef("%s %q: is a %s, not a file", file.flag, file.path, kind(st.Mode()))
		}
		if !sh.Whole() {
			return usagef("%s: a shard (--shard %s) prints no tables and writes no CSV; run gapbench report on the merged results instead", file.flag, f.shard)
		}
	}
	jobs := shard.Filter(sh, p.jobs)
	outs, err := sweep(ctx, jobs, f.workers, f.results, f.quiet, stderr)
	if err != nil {
		return err
	}
	failed := failedError(runner.Failed(outs))
	if !sh.Whole() {
		fmt.Fprintf(stdout, "shard %s: %d of %d runs done; copy every shard's %s/ into one directory and run gapbench report\n",
			sh, len(jobs), len(p.jobs), f.results)
		return failed
	}
	var study *hypotheses.Study
	if len(p.suites) > 0 {
		study, err = hypotheses.Evaluate(p.suites, p.budget, p.seeds, outs, recordOptions())
		if err != nil {
			return err
		}
	}
	var theory []reports.TheoryCheck
	if p.theory {
		if theory, err = reports.RunTheory(); err != nil {
			return err
		}
	}
	if err := reports.WriteTerminal(stdout, study, theory); err != nil {
		return err
	}
	if f.csv != "" && study != nil {
		if err := writeFileAtomic(f.csv, func(w io.Writer) error { return reports.WriteCSV(w, study) }); err != nil {
			return err
		}
	}
	if f.curves != "" && study != nil {
		if err := writeFileAtomic(f.curves, func(w io.Writer) error { return reports.WriteCurves(w, study) }); err != nil {
			return err
		}
	}
	return failed
}

// kind names a file mode's type for messages.
func kind(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "directory"
	case m&os.ModeNamedPipe != 0:
		return "named pipe"
	case m&os.ModeDevice != 0:
		return "device"
	}
	return "special file"
}

// interruptedError is a sweep stopped by SIGINT or SIGTERM. It exits with 130.
type interruptedError struct{ finished, total int }

func (e interruptedError) Error() string {
	return fmt.Sprintf("interrupted: %d of %d runs finished; rerun the same command to resume", e.finished, e.total)
}

// failedError names the runs whose numbers became non-finite; nil when none did.
// It exits with status 1, after the tables (which mark the failed arms).
func failedError(failed []runner.Outcome) error {
	if len(failed) == 0 {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d runs failed (not saved; their arms are marked failed in the tables):", len(failed))
	for _, o := range failed {
		fmt.Fprintf(&b, "\n  %s: %v", o.Job.Name(), o.Err)
	}
	return errors.New(b.String())
}

// writeFileAtomic writes a file through a temporary file and a rename, so that a
// failure leaves no partial file behind. The file is created with mode 0666 less
// the umask (0644 by default), like any file a command writes, so that others on
// a shared file system can read it.
func writeFileAtomic(path string, write func(io.Writer) error) error {
	dir, base := filepath.Dir(path), filepath.Base(path)
	var tmp *os.File
	for i := 0; ; i++ {
		name := filepath.Join(dir, fmt.Sprintf(".%s.tmp%d-%d", base, os.Getpid(), rand.Uint32()))
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
		if err == nil {
			tmp = f
			break
		}
		if !errors.Is(err, fs.ErrExist) || i >= 100 {
			return err
		}
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// sweep runs jobs against the results store in dir, as run and robustness both
// do: it refuses a sweep over the machine's limits, draws the progress bar,
// says which stored results are recomputed, turns a cancelled sweep into
// interruptedError, and prints how many runs there were and how many were reused.
func sweep(ctx context.Context, jobs []runner.Job, workers int, dir string, quiet bool, stderr io.Writer) ([]runner.Outcome, error) {
	if workers == 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	if err := runner.CheckSweep(jobs, workers, runner.MachineMemory()); err != nil {
		return nil, usageError{err}
	}
	st, err := store.Open(dir)
	if err != nil {
		return nil, usagef("--results %q: %v", dir, err)
	}
	start := time.Now()
	distinct := map[string]bool{}
	for _, j := range jobs {
		distinct[j.Key()] = true
	}
	bar := progress.New(stderr, len(distinct), progress.Options{Quiet: quiet,
		Terminal: progress.IsTerminal(stderr), Label: "runs"})
	reused, finished := 0, 0
	outs, err := runner.New().Sweep(ctx, jobs, runner.SweepOptions{
		Workers: workers, Store: st,
		OnDone: func(o runner.Outcome) {
			if o.Reused {
				reused++
			}
			if o.Err == nil {
				finished++
			}
			bar.Done(o.Job.Name(), o.Reused)
		},
		OnCorrupt: func(j runner.Job, err error) {
			fmt.Fprintf(stderr, "gapbench: recomputing %s: %v\n", j.Name(), err)
		},
	})
	bar.Finish()
	if err != nil && ctx.Err() != nil {
		return nil, interruptedError{finished: finished, total: len(distinct)}
	}
	if err != nil {
		return nil, err
	}
	if !quiet {
		fmt.Fprintf(stderr, "gapbench: %d runs (%d reused) in %s\n", len(distinct), reused, time.Since(start).Round(time.Millisecond))
	}
	return outs, nil
}
