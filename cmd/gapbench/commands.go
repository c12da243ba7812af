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
	"unicode/utf8"

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
		fmt.Fprintln(stdout)
		printWrapped(stdout, "  ", fmt.Sprintf("%s: %s (paper: %s)", s.Name, s.Title, s.Paper))
		printWrapped(stdout, "    ", s.Hypothesis)
		names := make([]string, len(s.Arms))
		for i, a := range s.Arms {
			names[i] = a.Name
		}
		printWrapped(stdout, "    arms: ", strings.Join(names, " "))
		fmt.Fprintln(stdout, "    claims:")
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
			printWrapped(stdout, fmt.Sprintf("      %-6s %-8s ", c.ID, role),
				fmt.Sprintf("%s: %s %s %s (margin %g) — %s [%s]", c.Metric, c.A, op, c.B, c.Margin, c.Note, strings.Join(ps, ", ")))
		}
	}
	fmt.Fprintln(stdout, "\n  theory: exact checks of the equivalence theorem, the partial-coverage example and SFT = SPIN")
	fmt.Fprintln(stdout, "\nArms:")
	for _, a := range arms.All() {
		printWrapped(stdout, fmt.Sprintf("  %-18s ", a.Name), a.Doc)
	}
	fmt.Fprintln(stdout, "\nProtocols (each claim lists those it is evaluated under):")
	printWrapped(stdout, fmt.Sprintf("  %-9s ", hypotheses.Recipe), "the paper's shared short recipe: every arm trains dpo.epochs epochs")
	printWrapped(stdout, fmt.Sprintf("  %-9s ", hypotheses.Tuned), fmt.Sprintf("each DPO-family arm's epochs picked from %v by its own held-out preference likelihood; exact RLHF to convergence", recipe.TunedGrid))
	printWrapped(stdout, fmt.Sprintf("  %-9s ", hypotheses.Frontier), fmt.Sprintf("arms compared at matched KL(π‖π_ref) %v nats (%g decides) along a %d-epoch run probed at %d log-spaced steps",
		hypotheses.FrontierLevels, hypotheses.FrontierDeciding, recipe.FrontierEpochs, recipe.FrontierProbes))
	fmt.Fprintln(stdout, "\nBudgets:")
	for _, n := range hypotheses.BudgetNames {
		b := hypotheses.Budgets[n]
		printWrapped(stdout, fmt.Sprintf("  %-6s %2d seeds  ", b.Name, b.Seeds), b.Doc)
	}
	listRobustness(stdout)
	return nil
}

// listWidth is the column width gapbench list wraps its lines at, as run's
// tables fit 120 columns.
const listWidth = 120

// printWrapped prints text after prefix, wrapped at listWidth columns, the
// continuation lines indented to the end of prefix.
func printWrapped(w io.Writer, prefix, text string) {
	indent := utf8.RuneCountInString(prefix)
	lines := strings.Split(stats.WrapText(text, max(20, listWidth-indent)), "\n")
	for i, l := range lines {
		if i == 0 {
			fmt.Fprintf(w, "%s%s\n", prefix, l)
			continue
		}
		fmt.Fprintf(w, "%s%s\n", strings.Repeat(" ", indent), l)
	}
}

// budgetAndSuite resolves show's and diff's --budget and --suite: the named
// budget, and the named suite or, without one, an empty suite named default.
func budgetAndSuite(budget, suite string) (hypotheses.Budget, *hypotheses.Suite, error) {
	b, err := hypotheses.GetBudget(budget)
	if err != nil {
		return b, nil, usageError{err}
	}
	if suite == "" {
		return b, &hypotheses.Suite{Name: "default"}, nil
	}
	s, err := hypotheses.Get(suite)
	if err != nil {
		return b, nil, usageError{err}
	}
	return b, s, nil
}

// missingList lists the first ten runs missing from a store, one per line,
// and how many more there are, for an error message.
func missingList(missing []*runner.Unusable) string {
	const show = 10
	var list strings.Builder
	for i, m := range missing {
		if i == show {
			fmt.Fprintf(&list, "\n  … and %d more", len(missing)-show)
			break
		}
		fmt.Fprintf(&list, "\n  %s", m)
	}
	return list.String()
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
	b, s, err := budgetAndSuite(*budget, *suite)
	if err != nil {
		return err
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

// reportFlags are the flags of gapbench report.
type reportFlags struct {
	results, out, budget, suite, armsFile, addArm, against, curves, protocol, robustness string
	seeds                                                                                int
}

// reportFlagSet declares the flags of gapbench report into f.
func reportFlagSet(f *reportFlags, stderr io.Writer) *flag.FlagSet {
	fs := newFlagSet("report", stderr)
	fs.StringVar(&f.results, "results", "results", "results store directory")
	fs.StringVar(&f.out, "out", "reports", "output directory")
	fs.StringVar(&f.budget, "budget", "full", "the budget the results were run at")
	fs.IntVar(&f.seeds, "seeds", 0, "seeds per arm (0: the budget's)")
	fs.StringVar(&f.suite, "suite", "", "the suite --add-arm adds to (the report keeps every suite)")
	fs.StringVar(&f.armsFile, "arms-file", "", "JSON or YAML file of extra arms")
	fs.StringVar(&f.addArm, "add-arm", "", "comma-separated arms to add to --suite")
	fs.StringVar(&f.against, "against", "", "the arm an added arm's claim compares with (default: the suite's baseline, dpo)")
	fs.StringVar(&f.curves, "curves", "", "also write every run's training curves as long CSV to this file")
	fs.StringVar(&f.protocol, "protocol", "all", "recipe, tuned, frontier (comma-separated) or all")
	fs.StringVar(&f.robustness, "robustness", "", "add the robustness section from the grid stored in this directory (gapbench robustness --results)")
	return fs
}

// cmdReport regenerates the report from stored results; it never trains. With
// --add-arm it adds arms (run beforehand with gapbench run --add-arm) to one
// suite's tables, claims and figures; such a report must go to its own --out.
func cmdReport(args []string, stdout, stderr io.Writer) error {
	var rf reportFlags
	fs := reportFlagSet(&rf, stderr)
	results, out, budget, seeds, suite := &rf.results, &rf.out, &rf.budget, &rf.seeds, &rf.suite
	armsFile, addArm, against, curves, protocol := &rf.armsFile, &rf.addArm, &rf.against, &rf.curves, &rf.protocol
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return nil
		}
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
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
	if *addArm != "" && !visited(fs)["out"] {
		return usagef("--add-arm writes a report of its own: name its directory with --out (not the report of record in %s)", *out)
	}
	if *curves != "" {
		if err := checkDir("--curves", *curves); err != nil {
			return err
		}
	}
	suites, err := addArms(hypotheses.All(), *suite, *armsFile, *addArm, *against)
	if err != nil {
		return err
	}
	if *suite != "" && *addArm == "" {
		return usagef("--suite names the suite --add-arm adds to, which is not given (report keeps every suite)")
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
	jobs, err := hypotheses.ProtocolJobs(suites, protocols, b, n)
	if err != nil {
		return usageError{err}
	}
	outs, missing, err := runner.Load(st, jobs)
	if err != nil {
		return err
	}
	if len(missing) > 0 {
		hint := ""
		if *addArm != "" {
			hint = fmt.Sprintf(" (for the added arms: gapbench run --suite %s --add-arm %s …)", *suite, *addArm)
		}
		return fmt.Errorf("%d of %d runs have no valid result in %s: run gapbench run --budget %s --seeds %d --protocol %s --results %s first%s:%s",
			len(missing), distinctRuns(jobs), *results, b.Name, n, strings.Join(protocols, ","), *results, hint, missingList(missing))
	}
	study, err := hypotheses.Evaluate(suites, b, n, outs, recordOptions())
	if err != nil {
		return err
	}
	checks, err := reports.RunTheory()
	if err != nil {
		return err
	}
	grid, err := storedRobustness(rf.robustness, hypotheses.All(), stderr)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return usagef("--out %q: %v", *out, err)
	}
	start := time.Now()
	files, err := reports.Render(study, checks, grid)
	if err != nil {
		return err
	}
	for _, f := range files {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(*out, f.Name)), 0o755); err != nil {
			return err
		}
		if err := writeFileAtomic(filepath.Join(*out, f.Name), func(w io.Writer) error { _, err := w.Write(f.Data); return err }); err != nil {
			return err
		}
	}
	if *curves != "" {
		if err := writeFileAtomic(*curves, func(w io.Writer) error { return reports.WriteCurves(w, study) }); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "wrote %d files to %s in %s\n", len(files), *out, time.Since(start).Round(time.Millisecond))
	return nil
}

// distinctRuns counts the distinct (config, seed) runs among jobs.
func distinctRuns(jobs []runner.Job) int {
	seen := map[string]bool{}
	for _, j := range jobs {
		seen[j.Key()] = true
	}
	return len(seen)
}

// checkDir checks that the directory a file flag writes into exists.
func checkDir(flagName, path string) error {
	if st, err := os.Stat(filepath.Dir(path)); err != nil || !st.IsDir() {
		return usagef("%s %q: directory %q does not exist", flagName, path, filepath.Dir(path))
	}
	return nil
}

// cmdDiff prints the configuration fields in which two arms differ once
// resolved against a suite's settings and a budget: path, then each arm's value.
func cmdDiff(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("diff", stderr)
	suite := fs.String("suite", "", "apply this suite's settings (and find its arms)")
	budget := fs.String("budget", "quick", "apply this budget")
	armsFile := fs.String("arms-file", "", "JSON or YAML file of extra arms")
	var names []string
	rest := args
	for len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		names, rest = append(names, rest[0]), rest[1:]
	}
	if err := fs.Parse(rest); err != nil {
		if err == flag.ErrHelp {
			return nil
		}
		return usageError{err}
	}
	names = append(names, fs.Args()...)
	if len(names) != 2 {
		return usagef("diff needs two arm names, got %d (gapbench list shows them)", len(names))
	}
	b, s, err := budgetAndSuite(*budget, *suite)
	if err != nil {
		return err
	}
	var configs [2]recipe.Config
	for i, name := range names {
		a, err := findArm(name, s, *armsFile)
		if err != nil {
			return err
		}
		base, err := s.Base(b)
		if err != nil {
			return usageError{err}
		}
		if configs[i], err = a.Resolve(base); err != nil {
			return usageError{err}
		}
	}
	paths := recipe.DiffPaths(configs[0], configs[1])
	if len(paths) == 0 {
		fmt.Fprintf(stdout, "%s and %s have the same configuration\n", names[0], names[1])
		return nil
	}
	fa, fb := configs[0].Flatten(), configs[1].Flatten()
	rows := make([][]string, len(paths))
	for i, p := range paths {
		rows[i] = []string{p, fa[p], fb[p]}
	}
	return reports.Table(stdout, stats.Terminal, []string{"field", names[0], names[1]}, rows)
}

// findArm looks an arm up among the registered arms, the suite's own arms
// (e.g. H6's grid) and an arms file.
func findArm(name string, s *hypotheses.Suite, armsFile string) (arms.Arm, error) {
	if armsFile != "" {
		loaded, err := arms.LoadFile(armsFile)
		if err != nil {
			return arms.Arm{}, usagef("--arms-file: %w", err)
		}
		for _, x := range loaded {
			if x.Name == name {
				return x, nil
			}
		}
	}
	if a, ok := s.Arm(name); ok {
		return a, nil
	}
	a, err := arms.Get(name)
	if err != nil {
		return arms.Arm{}, usageError{err}
	}
	return a, nil
}
