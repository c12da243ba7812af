package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gapbench/arms"
	"gapbench/datasets"
	"gapbench/hypotheses"
	"gapbench/recipe"
	"gapbench/reports"
	"gapbench/runner"
	"gapbench/stats"
	"gapbench/store"
)

// cmdList prints the suites (with arms and claims), the registered arms and the budgets.
func cmdList(args []string, stdout io.Writer) error {
	if len(args) > 0 {
		return usagef("list takes no arguments, got %q", args[0])
	}
	fmt.Fprintln(stdout, "Suites:")
	for _, s := range hypotheses.All() {
		fmt.Fprintf(stdout, "\n  %s: %s (paper: %s)\n    %s\n    arms:", s.Name, s.Title, s.Paper, s.Hypothesis)
		for _, a := range s.Arms {
			fmt.Fprintf(stdout, " %s", a.Name)
		}
		fmt.Fprintln(stdout, "\n    claims:")
		for _, c := range s.Claims {
			role := "context"
			if c.Decides {
				role = "decides"
			}
			op := ">"
			if c.Kind == stats.Equivalence {
				op = "≈"
			} else if c.Predict == stats.Less {
				op = "<"
			}
			ps := c.Protocols
			if len(ps) == 0 {
				ps = []string{hypotheses.Recipe}
			}
			fmt.Fprintf(stdout, "      %-6s %-8s %s: %s %s %s (margin %g) — %s [%s]\n", c.ID, role, c.Metric, c.A, op, c.B, c.Margin, c.Note, strings.Join(ps, ", "))
		}
	}
	fmt.Fprintln(stdout, "\n  theory: exact checks of the equivalence theorem, the partial-coverage example and SFT = SPIN")
	fmt.Fprintln(stdout, "\nArms:")
	for _, a := range arms.All() {
		fmt.Fprintf(stdout, "  %-18s %s\n", a.Name, a.Doc)
	}
	fmt.Fprintln(stdout, "\nProtocols (each claim lists those it is evaluated under):")
	fmt.Fprintf(stdout, "  %-9s %s\n", hypotheses.Recipe, "the paper's shared short recipe: every arm trains dpo.epochs epochs")
	fmt.Fprintf(stdout, "  %-9s each DPO-family arm's epochs picked from %v by its own held-out preference likelihood; exact RLHF to convergence\n", hypotheses.Tuned, recipe.TunedGrid)
	fmt.Fprintf(stdout, "  %-9s arms compared at matched KL(π‖π_ref) %v nats (%g decides) along a %d-epoch run probed at %d log-spaced steps\n",
		hypotheses.Frontier, hypotheses.FrontierLevels, hypotheses.FrontierDeciding, recipe.FrontierEpochs, recipe.FrontierProbes)
	fmt.Fprintln(stdout, "\nBudgets:")
	for _, n := range hypotheses.BudgetNames {
		b := hypotheses.Budgets[n]
		fmt.Fprintf(stdout, "  %-6s %2d seeds  %s\n", b.Name, b.Seeds, b.Doc)
	}
	return nil
}

// cmdShow prints an arm's resolved configuration as JSON.
func cmdShow(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("show", stderr)
	suite := fs.String("suite", "", "apply this suite's settings")
	budget := fs.String("budget", "quick", "apply this budget")
	armsFile := fs.String("arms-file", "", "JSON or YAML file of extra arms")
	protocol := fs.String("protocol", hypotheses.Recipe, "apply this protocol: recipe, tuned or frontier")
	name, rest := "", args
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, rest = args[0], args[1:]
	}
	if err := fs.Parse(rest); err != nil {
		if err == flag.ErrHelp {
			return nil
		}
		return usageError{err}
	}
	if name == "" && fs.NArg() > 0 {
		name = fs.Arg(0)
	}
	if name == "" {
		return usagef("show needs an arm name (gapbench list shows them)")
	}
	b, err := hypotheses.GetBudget(*budget)
	if err != nil {
		return usageError{err}
	}
	s := &hypotheses.Suite{Name: "default"}
	if *suite != "" {
		if s, err = hypotheses.Get(*suite); err != nil {
			return usageError{err}
		}
	}
	a, err := arms.Get(name)
	if err != nil && *armsFile != "" {
		loaded, lerr := arms.LoadFile(*armsFile)
		if lerr != nil {
			return usagef("--arms-file: %w", lerr)
		}
		for _, x := range loaded {
			if x.Name == name {
				a, err = x, nil
			}
		}
	}
	if err != nil {
		if sa, ok := s.Arm(name); ok {
			a, err = sa, nil
		} else {
			return usageError{err}
		}
	}
	base, err := s.Base(b)
	if err != nil {
		return usageError{err}
	}
	c, err := a.Resolve(base)
	if err != nil {
		return usageError{err}
	}
	pc, err := recipe.NewProtocol(*protocol)
	if err != nil {
		return usagef("--%w", err)
	}
	c = c.WithProtocol(pc)
	out := struct {
		Arm    string `json:"arm"`
		Doc    string `json:"doc"`
		Diff   any    `json:"diff"`
		Config any    `json:"config"`
	}{a.Name, a.Doc, a.Diff, c}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// cmdPairs writes one seed's preference pairs as JSONL, for users to inspect or edit.
func cmdPairs(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("pairs", stderr)
	seed := fs.Int("seed", 1, "the world's seed")
	budget := fs.String("budget", "quick", "the budget whose world to use")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return nil
		}
		return usageError{err}
	}
	if *seed < 1 {
		return usagef("--seed must be >= 1, got %d", *seed)
	}
	b, err := hypotheses.GetBudget(*budget)
	if err != nil {
		return usageError{err}
	}
	base, err := (&hypotheses.Suite{}).Base(b)
	if err != nil {
		return err
	}
	wc := base.World
	wc.Seed = uint64(*seed)
	w, err := datasets.Generate(wc)
	if err != nil {
		return err
	}
	return w.WritePairs(stdout, w.Pairs)
}

// cmdReport regenerates the report from stored results; it never trains.
func cmdReport(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("report", stderr)
	results := fs.String("results", "results", "results store directory")
	out := fs.String("out", "reports", "output directory")
	budget := fs.String("budget", "full", "the budget the results were run at")
	seeds := fs.Int("seeds", 0, "seeds per arm (0: the budget's)")
	protocol := fs.String("protocol", "all", "recipe, tuned, frontier (comma-separated) or all")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return nil
		}
		return usageError{err}
	}
	b, err := hypotheses.GetBudget(*budget)
	if err != nil {
		return usageError{err}
	}
	n := b.Seeds
	if *seeds < 0 || (*seeds == 0 && visited(fs)["seeds"]) {
		return usagef("--seeds must be >= 1, got %d", *seeds)
	} else if *seeds > 0 {
		n = *seeds
	}
	if _, err := os.Stat(*results); err != nil {
		return usagef("--results %q: %v", *results, err)
	}
	st, err := store.Open(*results)
	if err != nil {
		return usagef("--results %q: %v", *results, err)
	}
	protocols, err := hypotheses.ParseProtocols(*protocol)
	if err != nil {
		return usageError{err}
	}
	suites := hypotheses.All()
	jobs, err := hypotheses.ProtocolJobs(suites, protocols, b, n)
	if err != nil {
		return err
	}
	outs, missing, err := loadOutcomes(st, jobs)
	if err != nil {
		return err
	}
	if len(missing) > 0 {
		const show = 10
		var b2 strings.Builder
		for i, m := range missing {
			if i == show {
				fmt.Fprintf(&b2, "\n  … and %d more", len(missing)-show)
				break
			}
			fmt.Fprintf(&b2, "\n  %s", m)
		}
		return fmt.Errorf("%d of %d runs have no valid result in %s: run gapbench run --budget %s --seeds %d --protocol %s --results %s first:%s",
			len(missing), len(jobs), *results, b.Name, n, strings.Join(protocols, ","), *results, b2.String())
	}
	study, err := hypotheses.Evaluate(suites, b, n, outs, recordOptions())
	if err != nil {
		return err
	}
	checks, err := reports.RunTheory()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return usagef("--out %q: %v", *out, err)
	}
	start := time.Now()
	files, err := reports.Render(study, checks)
	if err != nil {
		return err
	}
	for _, f := range files {
		if err := writeFileAtomic(filepath.Join(*out, f.Name), func(w io.Writer) error { _, err := w.Write(f.Data); return err }); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "wrote %d files to %s in %s\n", len(files), *out, time.Since(start).Round(time.Millisecond))
	return nil
}

// loadOutcomes reads every job's result from the store. missing says, for each
// job without a usable result, which run it is and why (no file, a corrupt or
// incomplete file, another version).
func loadOutcomes(st *store.Store, jobs []runner.Job) ([]runner.Outcome, []string, error) {
	outs := make([]runner.Outcome, len(jobs))
	var missing []string
	cache := map[string]*runner.Result{}
	bad := map[string]string{}
	for i, j := range jobs {
		k := j.Key()
		res, ok := cache[k]
		if why, seen := bad[k]; seen {
			missing = append(missing, fmt.Sprintf("%s: %s", j.Name(), why))
			continue
		}
		if !ok {
			var r runner.Result
			found, err := st.Load(k, &r)
			why := ""
			switch {
			case err != nil:
				why = err.Error()
			case !found:
				why = "not run (no file " + st.Path(k) + ")"
			case r.Version != runner.Version:
				why = fmt.Sprintf("%s holds version %s, want %s", st.Path(k), r.Version, runner.Version)
			default:
				if err := runner.CheckResult(&r, j.Config); err != nil {
					why = fmt.Sprintf("incomplete result file %s: %v", st.Path(k), err)
				}
			}
			if why != "" {
				bad[k] = why
				missing = append(missing, fmt.Sprintf("%s: %s", j.Name(), why))
				continue
			}
			res = &r
			cache[k] = res
		}
		outs[i] = runner.Outcome{Job: j, Result: res, Reused: true}
	}
	return outs, missing, nil
}
