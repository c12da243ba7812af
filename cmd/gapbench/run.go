package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"gapbench/arms"
	"gapbench/datasets"
	"gapbench/hypotheses"
	"gapbench/progress"
	"gapbench/recipe"
	"gapbench/reports"
	"gapbench/runner"
	"gapbench/shard"
	"gapbench/stats"
	"gapbench/store"
)

// runFlags are the flags of gapbench run.
type runFlags struct {
	suite, budget, protocol, csv, results, shard, armsFile, addArm, pairs string
	seeds, workers                                                        int
	quiet                                                                 bool
}

func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("gapbench "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, manual) }
	return fs
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
	fs.StringVar(&f.results, "results", "results", "results store directory")
	fs.StringVar(&f.shard, "shard", "", "run slice i/n of the sweep (auto/n: from the job-array index)")
	fs.StringVar(&f.armsFile, "arms-file", "", "JSON or YAML file of extra arms")
	fs.StringVar(&f.addArm, "add-arm", "", "comma-separated arms to add to the suite")
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
	if f.seeds < 0 || (f.seeds == 0 && seedsSet(args)) {
		return f, usagef("--seeds must be >= 1, got %d", f.seeds)
	}
	if f.workers < 0 || (f.workers == 0 && flagSet(args, "workers")) {
		return f, usagef("--workers must be >= 1, got %d", f.workers)
	}
	return f, nil
}

func seedsSet(args []string) bool { return flagSet(args, "seeds") }

// flagSet reports whether a flag was given on the command line.
func flagSet(args []string, name string) bool {
	for _, a := range args {
		a = strings.TrimLeft(a, "-")
		if a == name || strings.HasPrefix(a, name+"=") {
			return true
		}
	}
	return false
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
	extra := map[string]arms.Arm{}
	if f.armsFile != "" {
		loaded, err := arms.LoadFile(f.armsFile)
		if err != nil {
			return nil, usagef("--arms-file: %w", err)
		}
		for _, a := range loaded {
			extra[a.Name] = a
		}
	}
	if f.addArm != "" {
		if len(p.suites) != 1 {
			return nil, usagef("--add-arm needs one --suite, got %q", f.suite)
		}
		s := *p.suites[0] // a copy: the registered suite stays as it is
		s.Arms = slices.Clone(s.Arms)
		s.Claims = slices.Clone(s.Claims)
		for _, name := range strings.Split(f.addArm, ",") {
			name = strings.TrimSpace(name)
			a, ok := extra[name]
			if !ok {
				var err error
				if a, err = arms.Get(name); err != nil {
					return nil, usagef("--add-arm: %w", err)
				}
			}
			if err := s.AddArm(a); err != nil {
				return nil, usagef("--add-arm: %w", err)
			}
		}
		p.suites = []*hypotheses.Suite{&s}
	} else if len(extra) > 0 {
		return nil, usagef("--arms-file loads arms; name the ones to run with --add-arm")
	}
	if f.pairs != "" {
		if err := p.usePairs(f.pairs); err != nil {
			return nil, err
		}
	}
	if len(p.suites) > 0 {
		jobs, err := hypotheses.ProtocolJobs(p.suites, p.protocols, p.budget, p.seeds)
		if err != nil {
			return nil, usageError{err}
		}
		if err := validateDataFiles(jobs); err != nil {
			return nil, err
		}
		p.jobs = jobs
	}
	return p, nil
}

// usePairs points every suite's data at a pairs file; validateDataFiles checks it
// against each run's own world before anything runs.
func (p *plan) usePairs(path string) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return usagef("--pairs: %w", err)
	}
	sum := runner.FileHash(raw)
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

// validateDataFiles checks every run that reads preference pairs from a file
// (--pairs, or an arm's data.file): the file exists, still has the content its
// hash names, and matches the world of that run's seed and settings. Bad input is
// reported before any run starts.
func validateDataFiles(jobs []runner.Job) error {
	checked := map[string]bool{}
	for _, j := range jobs {
		d := j.Config.Data
		if d.Source != recipe.DataFile {
			continue
		}
		wc := j.Config.World
		wc.Seed = uint64(j.Seed)
		key := store.Hash(struct {
			File, Hash string
			W          datasets.Config
		}{d.File, d.FileHash, wc})
		if checked[key] {
			continue
		}
		checked[key] = true
		raw, err := os.ReadFile(d.File)
		if err != nil {
			return usagef("arm %q: data.file: %v", j.Arm, err)
		}
		if h := runner.FileHash(raw); h != d.FileHash {
			return usagef("arm %q: data.file %q has content hash %s, but data.file_hash is %q", j.Arm, d.File, h, d.FileHash)
		}
		w, err := datasets.Generate(wc)
		if err != nil {
			return usageError{err}
		}
		if _, err := w.ReadPairs(d.File, bytes.NewReader(raw)); err != nil {
			return usagef("--pairs (suite %s, arm %s, world of seed %d): %w", j.Suite, j.Arm, j.Seed, err)
		}
	}
	return nil
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
	if f.csv != "" {
		if st, err := os.Stat(filepath.Dir(f.csv)); err != nil || !st.IsDir() {
			return usagef("--csv %q: directory %q does not exist", f.csv, filepath.Dir(f.csv))
		}
	}
	st, err := store.Open(f.results)
	if err != nil {
		return usagef("--results %q: %v", f.results, err)
	}
	start := time.Now()
	jobs := shard.Filter(sh, p.jobs)
	distinct := map[string]bool{}
	for _, j := range jobs {
		distinct[j.Key()] = true
	}
	bar := progress.New(stderr, len(distinct), progress.Options{Quiet: f.quiet,
		Terminal: progress.IsTerminal(stderr), Label: "runs"})
	reused := 0
	outs, err := runner.New().Sweep(ctx, jobs, runner.SweepOptions{
		Workers: f.workers, Store: st,
		OnDone: func(o runner.Outcome) {
			if o.Reused {
				reused++
			}
			bar.Done(o.Job.Name(), o.Reused)
		},
		OnCorrupt: func(j runner.Job, err error) {
			fmt.Fprintf(stderr, "gapbench: recomputing %s: %v\n", j.Name(), err)
		},
	})
	bar.Finish()
	if err != nil {
		return err
	}
	if !f.quiet {
		fmt.Fprintf(stderr, "gapbench: %d runs (%d reused) in %s\n", len(distinct), reused, time.Since(start).Round(time.Millisecond))
	}
	if !sh.Whole() {
		fmt.Fprintf(stdout, "shard %s: %d of %d runs done; copy every shard's %s/ into one directory and run gapbench report\n",
			sh, len(jobs), len(p.jobs), f.results)
		return nil
	}
	var study *hypotheses.Study
	if len(p.suites) > 0 {
		study, err = hypotheses.Evaluate(p.suites, p.budget, p.seeds, outs, stats.DefaultOptions())
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
	return nil
}

// writeFileAtomic writes a file through a temporary file and a rename, so that a
// failure leaves no partial file behind.
func writeFileAtomic(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
