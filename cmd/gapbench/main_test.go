package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// gapbench runs the command in-process and returns stdout, stderr and the exit status.
func gapbench(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, &out, &errb)
	code := exitCode(err, &errb)
	return out.String(), errb.String(), code
}

// TestBadInput checks every kind of bad input exits with status 2, names the flag
// or field and the bad value, and writes nothing.
func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	malformed := filepath.Join(dir, "bad.jsonl")
	os.WriteFile(malformed, []byte(`{"prompt": [1, 2], "chosen": [1, 2, 3, 4], "rejected": "oops"}`+"\n"), 0o644)
	negBeta := filepath.Join(dir, "arms.yaml")
	os.WriteFile(negBeta, []byte("arms:\n  - name: neg\n    doc: negative beta\n    diff: {method: dpo, dpo.beta: -0.1}\n"), 0o644)
	unknownField := filepath.Join(dir, "arms2.yaml")
	os.WriteFile(unknownField, []byte("arms:\n  - name: typo\n    doc: a typo\n    diff: {dpo.betta: 0.1}\n"), 0o644)
	missingFile := filepath.Join(dir, "arms3.yaml")
	os.WriteFile(missingFile, []byte("arms:\n  - name: gone\n    doc: pairs from a file that is not there\n    diff: {method: dpo, data.source: file, data.file: "+filepath.Join(dir, "nope.jsonl")+", data.file_hash: abc}\n"), 0o644)
	caseFile := filepath.Join(dir, "arms4.yaml")
	os.WriteFile(caseFile, []byte("arms:\n  - name: cased\n    doc: a field in the wrong case\n    diff: {method: dpo, dpo.Beta: 0.5}\n"), 0o644)
	pairs, _, _ := gapbench(t, "pairs", "--seed", "1", "--budget", "smoke")
	goodPairs := filepath.Join(dir, "good.jsonl")
	os.WriteFile(goodPairs, []byte(pairs), 0o644)
	csv := filepath.Join(dir, "out.csv")
	results := filepath.Join(dir, "results")
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"unknown suite", []string{"run", "--suite", "H9"}, []string{"--suite", `"H9"`}},
		{"unknown budget", []string{"run", "--budget", "huge"}, []string{"--budget", `"huge"`}},
		{"zero seeds", []string{"run", "--seeds", "0"}, []string{"--seeds must be >= 1, got 0"}},
		{"negative seeds", []string{"run", "--seeds", "-3"}, []string{"--seeds must be >= 1, got -3"}},
		{"zero workers", []string{"run", "--workers", "0"}, []string{"--workers must be >= 1, got 0"}},
		{"unknown arm", []string{"run", "--suite", "H2", "--add-arm", "nope"}, []string{"--add-arm", `"nope"`}},
		{"malformed pairs", []string{"run", "--suite", "gap", "--budget", "smoke", "--pairs", malformed}, []string{"--pairs", "bad.jsonl:1", "rejected"}},
		{"negative beta", []string{"run", "--suite", "H2", "--arms-file", negBeta, "--add-arm", "neg"}, []string{`arm "neg"`, "dpo.beta must be > 0, got -0.1"}},
		{"unknown field", []string{"run", "--suite", "H2", "--arms-file", unknownField, "--add-arm", "typo"}, []string{`arm "typo"`, `"dpo.betta"`}},
		{"bad shard", []string{"run", "--shard", "3/3"}, []string{"--shard", "3/3"}},
		{"missing data file", []string{"run", "--suite", "H2", "--budget", "smoke", "--arms-file", missingFile, "--add-arm", "gone"}, []string{`arm "gone"`, "data.file", "nope.jsonl"}},
		{"pairs for another world", []string{"run", "--suite", "H6", "--budget", "smoke", "--seeds", "1", "--pairs", goodPairs}, []string{"--pairs", "H6", "@h1", `field "chosen"`}},
		{"case of a field", []string{"run", "--suite", "H2", "--arms-file", caseFile, "--add-arm", "cased"}, []string{`"dpo.Beta"`, `did you mean "dpo.beta"`}},
		{"unknown flag", []string{"run", "--sead", "1"}, []string{"sead"}},
		{"unknown command", []string{"fly"}, []string{`"fly"`}},
		{"show unknown arm", []string{"show", "nope"}, []string{`"nope"`}},
		{"against an arm the suite lacks", []string{"run", "--suite", "H2", "--add-arm", "dpo-2x", "--against", "rm-global"}, []string{"--against", `"rm-global"`, "H2"}},
		{"against without add-arm", []string{"run", "--suite", "H2", "--against", "dpo"}, []string{"--against", "--add-arm"}},
		{"report add-arm without out", []string{"report", "--suite", "H2", "--add-arm", "dpo-2x"}, []string{"--add-arm", "--out"}},
		{"report suite without add-arm", []string{"report", "--suite", "H2", "--out", results}, []string{"--suite", "--add-arm"}},
		{"report curves into no directory", []string{"report", "--curves", filepath.Join(dir, "no", "c.csv"), "--out", results}, []string{"--curves", "does not exist"}},
		{"run curves into no directory", []string{"run", "--suite", "gap", "--budget", "smoke", "--curves", filepath.Join(dir, "no", "c.csv")}, []string{"--curves", "does not exist"}},
		{"diff one arm", []string{"diff", "dpo"}, []string{"two arm names, got 1"}},
		{"diff unknown arm", []string{"diff", "dpo", "nope"}, []string{`"nope"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append(tc.args, "--csv", csv, "--results", results)
			if tc.args[0] != "run" {
				args = tc.args
			}
			_, stderr, code := gapbench(t, args...)
			if code != 2 {
				t.Errorf("exit status %d, want 2 (stderr: %s)", code, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr %q does not mention %q", stderr, w)
				}
			}
			if _, err := os.Stat(csv); err == nil {
				t.Errorf("%s was written despite the error", csv)
			}
			if entries, _ := os.ReadDir(results); len(entries) > 0 {
				t.Errorf("results were written despite the error: %d entries", len(entries))
			}
		})
	}
}

// TestDeterministicCSV checks that the same command twice, and with 1 or 2
// workers, writes byte-identical CSV.
func TestDeterministicCSV(t *testing.T) {
	dir := t.TempDir()
	var csvs [][]byte
	for i, workers := range []string{"1", "2", "2"} {
		csv := filepath.Join(dir, "out"+workers+string(rune('a'+i))+".csv")
		// Fresh results directories: nothing is reused, every run is recomputed.
		_, stderr, code := gapbench(t, "run", "--suite", "gap", "--budget", "smoke", "--seeds", "2", "-q",
			"--workers", workers, "--csv", csv, "--results", filepath.Join(dir, "r"+string(rune('a'+i))))
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		b, err := os.ReadFile(csv)
		if err != nil {
			t.Fatal(err)
		}
		csvs = append(csvs, b)
	}
	if !bytes.HasPrefix(csvs[0], []byte("suite,protocol,arm,seed,metric,value\n")) {
		t.Fatalf("CSV header: %q", strings.SplitN(string(csvs[0]), "\n", 2)[0])
	}
	// The default runs every protocol: each has rows, and the same worker-count
	// check covers them all.
	for _, p := range []string{"recipe", "tuned", "frontier"} {
		if !bytes.Contains(csvs[0], []byte("\ngap,"+p+",dpo,1,win_rate,")) {
			t.Errorf("CSV has no %s rows", p)
		}
	}
	if lines := bytes.Count(csvs[0], []byte("\n")); lines < 5*2*5 {
		t.Fatalf("CSV has %d lines, want at least one per arm, seed and metric", lines)
	}
	for i := 1; i < len(csvs); i++ {
		if !bytes.Equal(csvs[0], csvs[i]) {
			t.Errorf("CSV %d differs from CSV 0", i)
		}
	}
}

// TestRunPrintsTables checks the headline output: arms, claims and verdicts.
func TestRunPrintsTables(t *testing.T) {
	out, stderr, code := gapbench(t, "run", "--suite", "gap", "--budget", "smoke", "-q", "--results", t.TempDir())
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"online-dpo-sft", "gap.2", "verdict (recipe):", "Δ win_rate vs dpo", "== verdicts"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
}

// TestProtocolTables checks that --protocol tuned and --protocol frontier print
// arms and claims tables that name the protocol, with what each protocol adds:
// tuned's chosen epochs, frontier's claims at fixed KL levels.
func TestProtocolTables(t *testing.T) {
	for _, tc := range []struct {
		protocol string
		want     []string
	}{
		{"tuned", []string{"== gap: the online–offline gap — protocol tuned", "arms (protocol tuned):", "claims (protocol tuned):",
			"tuned_epochs", "gap.2/tuned", "verdict (tuned):", "│ tuned "}},
		{"frontier", []string{"== gap: the online–offline gap — protocol frontier", "arms (protocol frontier):", "claims (protocol frontier):",
			"win_rate@kl2", "gap.2/frontier@kl2", "gap.2/frontier@kl0.5", "verdict (frontier):", "claims at KL 2 nats decide"}},
	} {
		t.Run(tc.protocol, func(t *testing.T) {
			out, stderr, code := gapbench(t, "run", "--suite", "gap", "--protocol", tc.protocol, "--budget", "smoke", "-q", "--results", t.TempDir())
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			for _, want := range tc.want {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q", want)
				}
			}
			for _, other := range []string{"recipe", "tuned", "frontier"} {
				if other != tc.protocol && strings.Contains(out, "— protocol "+other) {
					t.Errorf("--protocol %s printed a section of protocol %s", tc.protocol, other)
				}
			}
		})
	}
	if _, stderr, code := gapbench(t, "run", "--protocol", "fast"); code != 2 || !strings.Contains(stderr, `--protocol must be one of recipe, tuned, frontier or all, got "fast"`) {
		t.Errorf("--protocol fast: exit %d, %q; want 2 and an error naming the value", code, stderr)
	}
}

// TestHelpDocumentsEveryFlag checks that help (the package doc) lists every flag
// that run declares.
func TestHelpDocumentsEveryFlag(t *testing.T) {
	out, _, code := gapbench(t, "help")
	if code != 0 {
		t.Fatal("help failed")
	}
	if _, err := parseRun([]string{"-h"}, &bytes.Buffer{}); err == nil {
		t.Error("run -h: want flag.ErrHelp")
	}
	for _, tc := range []struct {
		cmd  string
		fs   *flag.FlagSet
		want int
	}{
		{"run", runFlagSet(&runFlags{}, &bytes.Buffer{}), 10},
		{"report", reportFlagSet(&reportFlags{}, &bytes.Buffer{}), 9},
	} {
		n := 0
		tc.fs.VisitAll(func(f *flag.Flag) {
			n++
			name := "--" + f.Name
			if len(f.Name) == 1 {
				name = "-" + f.Name
			}
			if !strings.Contains(out, name+" ") {
				t.Errorf("flag %s of %s is not documented in help", name, tc.cmd)
			}
		})
		if n < tc.want {
			t.Errorf("%s declares %d flags, want at least %d", tc.cmd, n, tc.want)
		}
	}
}

// TestDiff checks that diff prints exactly the fields in which two arms
// differ, with each arm's value, and says so when there are none.
func TestDiff(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string // rows, as "field value-a value-b"
	}{
		{[]string{"dpo", "hypo", "--suite", "H2"}, []string{"dpo.kl_weight 0 0.1"}},
		{[]string{"dpo", "dpo-2x"}, []string{"dpo.epochs 2 4"}},
		{[]string{"dpo@h1-simple", "online@h1-simple", "--suite", "H6"}, []string{`method "dpo" "online"`}},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			out, stderr, code := gapbench(t, append([]string{"diff"}, tc.args...)...)
			require.Equal(t, 0, code, stderr)
			var rows []string
			for _, line := range strings.Split(out, "\n") {
				cells := strings.FieldsFunc(line, func(r rune) bool { return r == '│' })
				if len(cells) == 3 && strings.TrimSpace(cells[0]) != "field" {
					rows = append(rows, strings.Join(strings.Fields(strings.Join(cells, " ")), " "))
				}
			}
			assert.Equal(t, tc.want, rows, out)
		})
	}
	out, _, code := gapbench(t, "diff", "dpo", "dpo")
	require.Equal(t, 0, code)
	assert.Equal(t, "dpo and dpo have the same configuration\n", out)
}

// TestListAndShow checks the listing and an arm's resolved configuration.
func TestListAndShow(t *testing.T) {
	out, _, code := gapbench(t, "list")
	if code != 0 || !strings.Contains(out, "H6") || !strings.Contains(out, "online-dpo-sft") || !strings.Contains(out, "smoke") {
		t.Fatalf("list: exit %d, output %q", code, out)
	}
	for i, l := range strings.Split(out, "\n") {
		if n := utf8.RuneCountInString(l); n > 120 {
			t.Errorf("list line %d has %d columns, more than 120: %q", i+1, n, l)
		}
	}
	out, _, code = gapbench(t, "show", "dpo-2x")
	if code != 0 || !strings.Contains(out, `"epochs": 4`) {
		t.Fatalf("show dpo-2x: exit %d, output %q", code, out)
	}
}

// TestPairsFile exports a world's pairs, edits nothing, and runs on them: the
// results match the run on the world's own pairs, since the data are the same.
func TestPairsFile(t *testing.T) {
	dir := t.TempDir()
	pairs, stderr, code := gapbench(t, "pairs", "--seed", "1", "--budget", "smoke")
	if code != 0 {
		t.Fatalf("pairs: exit %d: %s", code, stderr)
	}
	file := filepath.Join(dir, "pairs.jsonl")
	os.WriteFile(file, []byte(pairs), 0o644)
	run := func(extra ...string) string {
		csv := filepath.Join(dir, fmt.Sprintf("out%d.csv", len(extra)))
		args := append([]string{"run", "--suite", "gap", "--budget", "smoke", "--seeds", "1", "-q",
			"--results", filepath.Join(dir, "r"), "--csv", csv}, extra...)
		if _, stderr, code := gapbench(t, args...); code != 0 {
			t.Fatalf("run %v: exit %d: %s", extra, code, stderr)
		}
		b, _ := os.ReadFile(csv)
		return string(b)
	}
	own, fromFile := run(), run("--pairs", file)
	if own != fromFile {
		t.Error("the world's own pairs, read back from JSONL, gave different results")
	}
}
