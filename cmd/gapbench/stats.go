package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"gapbench/judge"
	"gapbench/reports"
	"gapbench/stats"
)

// recordResamples is the number of bootstrap resamples of the report of
// record and of gapbench stats: package stats's doc measured the Monte Carlo
// error of H6.1's p at 10,000 (0.00049 ± 0.00028) and 100,000 (0.00029 ±
// 0.00008) against 0.00027 at 10⁶.
const recordResamples = 100000

// recordOptions are the statistics options of gapbench run, report and stats,
// so that run prints the p-values and verdicts the report of record would.
func recordOptions() stats.Options {
	o := stats.DefaultOptions()
	o.Resamples = recordResamples
	return o
}

// statsFlags are the flags of gapbench stats.
type statsFlags struct {
	claims, suite, format string
}

// statsFlagSet declares the flags of gapbench stats into f.
func statsFlagSet(f *statsFlags, stderr io.Writer) *flag.FlagSet {
	fs := newFlagSet("stats", stderr)
	fs.StringVar(&f.claims, "claims", "", "YAML or JSON file of claims to evaluate")
	fs.StringVar(&f.suite, "suite", "", "the suite whose rows to use; without --claims, the built-in suite whose claims to evaluate")
	fs.StringVar(&f.format, "format", "terminal", "terminal, markdown or csv")
	return fs
}

// cmdStats judges a long CSV of results (gapbench's own or anyone's)
// against a claims file or a built-in suite's claims.
func cmdStats(args []string, stdout, stderr io.Writer) error {
	var f statsFlags
	fs := statsFlagSet(&f, stderr)
	// Flags may come before or after the file: parse, take one argument, parse the rest.
	var files []string
	for {
		if err := fs.Parse(args); err != nil {
			if err == flag.ErrHelp {
				return nil
			}
			return usageError{err}
		}
		if fs.NArg() == 0 {
			break
		}
		files = append(files, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(files) != 1 {
		return usagef("stats needs one results file (gapbench stats RESULTS.csv [--claims CLAIMS.yaml] [--suite S] [--format F]), got %d", len(files))
	}
	var format stats.Format
	switch f.format {
	case "terminal":
		format = stats.Terminal
	case "markdown":
		format = stats.Markdown
	case "csv":
		format = stats.CSV
	default:
		return usagef("--format must be terminal, markdown or csv, got %q", f.format)
	}
	raw, err := os.ReadFile(files[0])
	if err != nil {
		return usageError{err}
	}
	res, err := judge.ReadResults(files[0], raw)
	if err != nil {
		return usageError{err}
	}
	var claims *judge.Claims
	if f.claims != "" {
		raw, err := os.ReadFile(f.claims)
		if err != nil {
			return usagef("--claims: %w", err)
		}
		if claims, err = judge.ReadClaims(f.claims, raw); err != nil {
			return usageError{err}
		}
	}
	opt := recordOptions()
	st, err := judge.Judge(res, claims, f.suite, opt)
	if err != nil {
		var ie *judge.InputError
		if errors.As(err, &ie) {
			return usageError{err}
		}
		return err
	}
	nclaims := 0
	for _, r := range st.Results {
		nclaims += len(r.Claims)
	}
	if nclaims > 0 && format != stats.CSV {
		return reports.WriteTables(stdout, st, format)
	}
	rows, err := judge.Summaries(st, opt)
	if err != nil {
		return err
	}
	if err := stats.RenderSummaries(stdout, rows, format); err != nil {
		return err
	}
	if nclaims == 0 {
		return nil
	}
	for _, r := range st.Results {
		fmt.Fprintln(stdout)
		if err := stats.RenderClaims(stdout, r.Claims, stats.CSV); err != nil {
			return err
		}
	}
	fmt.Fprintln(stdout)
	fmt.Fprintln(stdout, "suite,verdict")
	for _, r := range st.Results {
		fmt.Fprintf(stdout, "%s,%s\n", csvField(r.Suite.Name), r.Verdict)
	}
	return nil
}

// csvField quotes a CSV field when it needs it.
func csvField(s string) string {
	if strings.ContainsAny(s, ",\"\n") {
		return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
	}
	return s
}
