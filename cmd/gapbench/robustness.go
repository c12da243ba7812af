package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"gapbench/hypotheses"
	"gapbench/reports"
	"gapbench/robustness"
	"gapbench/runner"
	"gapbench/shard"
	"gapbench/stats"
	"gapbench/store"
)

// robustFlags are the flags of gapbench robustness.
type robustFlags struct {
	budget, results, shard, protocol, out string
	seeds, workers                        int
	dials                                 []string
	noRun, quiet                          bool
}

// robustFlagSet declares the flags of gapbench robustness into f.
func robustFlagSet(f *robustFlags, stderr io.Writer) *flag.FlagSet {
	fs := newFlagSet("robustness", stderr)
	fs.StringVar(&f.budget, "budget", "quick", "smoke, quick or full")
	fs.IntVar(&f.seeds, "seeds", 0, "seeds per arm (0: the budget's, at most 10)")
	fs.IntVar(&f.workers, "workers", 0, "concurrent runs (0: GOMAXPROCS)")
	fs.StringVar(&f.results, "results", "results", "results store directory")
	fs.StringVar(&f.shard, "shard", "", "run slice i/n of the sweep (auto/n: from the job-array index)")
	fs.Func("dial", "a dial (its whole grid) or dial=v1,v2; repeatable (default: every dial)", func(v string) error {
		f.dials = append(f.dials, v)
		return nil
	})
	fs.StringVar(&f.protocol, "protocol", "all", "recipe, tuned, frontier (comma-separated) or all")
	fs.StringVar(&f.out, "out", "", "also write the robustness section (ROBUSTNESS.md) and its figures to this directory")
	fs.BoolVar(&f.noRun, "no-run", false, "never train: read every run from --results and fail if any is missing")
	fs.BoolVar(&f.quiet, "q", false, "no progress output")
	return fs
}

// listRobustness prints the robustness grid for gapbench list.
func listRobustness(w io.Writer) {
	fmt.Fprintln(w, "\nRobustness grid (gapbench robustness; one dial at a time around the default):")
	for _, d := range robustness.Dials {
		printWrapped(w, fmt.Sprintf("  %-10s %-22s ", d.Name, strings.Join(d.Values, " ")),
			fmt.Sprintf("%s; sets %s; accepts %s", d.Doc, strings.Join(d.Paths, ", "), d.Range))
	}
}

// gridSeeds caps the robustness grid's default seeds per arm: grid points are
// descriptive, and at 10 seeds the 25-point grid under every protocol takes
// about half an hour on 2 cores (the quick budget's 20 would double it).
// --seeds overrides it.
const gridSeeds = 10

// gridSeedsFor is the grid's seeds per arm: --seeds when given (> 0), else the
// budget's, at most gridSeeds.
func gridSeedsFor(b hypotheses.Budget, flagSeeds int) int {
	if flagSeeds > 0 {
		return flagSeeds
	}
	return min(b.Seeds, gridSeeds)
}

// cmdRobustness runs every suite's deciding claims at every point of the
// robustness grid and prints the verdict-stability table.
func cmdRobustness(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var f robustFlags
	fs := robustFlagSet(&f, stderr)
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return nil
		}
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	set := visited(fs)
	if f.seeds < 0 || (f.seeds == 0 && set["seeds"]) {
		return usagef("--seeds must be >= 1, got %d", f.seeds)
	}
	if f.workers < 0 || (f.workers == 0 && set["workers"]) {
		return usagef("--workers must be >= 1, got %d", f.workers)
	}
	b, err := hypotheses.GetBudget(f.budget)
	if err != nil {
		return usageError{err}
	}
	seeds := gridSeedsFor(b, f.seeds)
	protocols, err := hypotheses.ParseProtocols(f.protocol)
	if err != nil {
		return usageError{err}
	}
	points, err := robustness.Select(f.dials)
	if err != nil {
		return usageError{err}
	}
	plan, err := robustness.NewPlan(hypotheses.All(), b, seeds, points, protocols)
	if err != nil {
		return usageError{err}
	}
	sh, err := shard.ParseEnv(f.shard, os.Getenv)
	if err != nil {
		return usageError{err}
	}
	if f.noRun && !sh.Whole() {
		return usagef("--no-run reads the whole grid; it takes no --shard, got %q", f.shard)
	}
	if f.out != "" {
		if err := os.MkdirAll(f.out, 0o755); err != nil {
			return usagef("--out %q: %v", f.out, err)
		}
	}
	var outs []runner.Outcome
	var failed error
	if f.noRun {
		if _, err := os.Stat(f.results); err != nil {
			return usagef("--results %q: %v", f.results, err)
		}
		st, err := store.Open(f.results)
		if err != nil {
			return usagef("--results %q: %v", f.results, err)
		}
		var missing []*runner.Unusable
		if outs, missing, err = runner.Load(st, plan.Jobs); err != nil {
			return err
		}
		if len(missing) > 0 {
			return fmt.Errorf("%d of %d runs have no valid result in %s: run gapbench robustness without --no-run first:%s",
				len(missing), distinctRuns(plan.Jobs), f.results, missingList(missing))
		}
	} else {
		jobs := shard.Filter(sh, plan.Jobs)
		var err error
		if outs, err = sweep(ctx, jobs, f.workers, f.results, f.quiet, stderr); err != nil {
			return err
		}
		failed = failedError(runner.Failed(outs))
		if !sh.Whole() {
			fmt.Fprintf(stdout, "shard %s: %d of %d runs done; copy every shard's %s/ into one directory and run gapbench robustness --no-run\n",
				sh, len(jobs), len(plan.Jobs), f.results)
			return failed
		}
	}
	grid, err := robustness.Evaluate(plan, outs, stats.DefaultOptions())
	if err != nil {
		return err
	}
	if err := reports.WriteRobustness(stdout, grid, stats.Terminal); err != nil {
		return err
	}
	if f.out != "" {
		files, err := reports.RenderRobustness(grid)
		if err != nil {
			return err
		}
		for _, file := range files {
			if err := writeFileAtomic(filepath.Join(f.out, file.Name), func(w io.Writer) error { _, err := w.Write(file.Data); return err }); err != nil {
				return err
			}
		}
		fmt.Fprintf(stderr, "gapbench: wrote %d files to %s\n", len(files), f.out)
	}
	return failed
}

// storedRobustness reads and judges the robustness grid stored in dir for
// gapbench report --robustness. It returns nil, after a note on stderr, when
// dir is "" (no note), does not exist or holds no grid: the report's section
// then says how to produce one.
func storedRobustness(dir string, suites []*hypotheses.Suite, stderr io.Writer) (*robustness.Grid, error) {
	if dir == "" {
		return nil, nil
	}
	if _, err := os.Stat(dir); err != nil {
		fmt.Fprintf(stderr, "gapbench: no robustness grid: %v; the report's robustness section says how to produce one\n", err)
		return nil, nil
	}
	st, err := store.Open(dir)
	if err != nil {
		return nil, usagef("--robustness %q: %v", dir, err)
	}
	found, err := robustness.Find(st, suites)
	if err != nil {
		return nil, err
	}
	if found == nil {
		fmt.Fprintf(stderr, "gapbench: no robustness grid in %s; the report's robustness section says how to produce one\n", dir)
		return nil, nil
	}
	return found.Evaluate(stats.DefaultOptions())
}
