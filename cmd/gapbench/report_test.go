package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gapbench/reports"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// volatile matches the provenance rows that record when and how long runs
// took; they are the only lines allowed to differ between two sweeps.
var volatile = regexp.MustCompile(`(?m)^\| (finished|compute|commit|Go) \|.*$`)

func readReport(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() {
			continue // robustness/: read on its own
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = b
	}
	return files
}

// TestReportFromStore runs a smoke sweep, then checks that report regenerates
// byte-identical files from the store, that it never trains (an empty store is
// an error), that three shards merged give the same report as one machine, and
// that REPORT.md matches its golden file (provenance rows masked).
func TestReportFromStore(t *testing.T) {
	if testing.Short() {
		t.Skip("runs three smoke sweeps")
	}
	dir := t.TempDir()
	whole := filepath.Join(dir, "whole")
	stdout, stderr, code := gapbench(t, "run", "--budget", "smoke", "--seeds", "2", "-q", "--protocol", "recipe", "--results", whole)
	if code != 0 {
		t.Fatalf("run: exit %d: %s", code, stderr)
	}
	checkWidth(t, "run's terminal output", stdout+stderr, reports.TerminalWidth)
	report := func(results, out string) map[string][]byte {
		t.Helper()
		if _, stderr, code := gapbench(t, "report", "--budget", "smoke", "--seeds", "2", "--protocol", "recipe", "--results", results, "--out", out); code != 0 {
			t.Fatalf("report: exit %d: %s", code, stderr)
		}
		return readReport(t, out)
	}
	a := report(whole, filepath.Join(dir, "a"))
	b := report(whole, filepath.Join(dir, "b"))
	for _, name := range []string{"REPORT.md", "results.csv", "headline.svg", "gap_map.svg"} {
		if len(a[name]) == 0 {
			t.Errorf("report lacks %s", name)
		}
	}
	for name := range a {
		if !bytes.Equal(a[name], b[name]) {
			t.Errorf("%s differs between two reports from the same results", name)
		}
	}

	empty := filepath.Join(dir, "empty")
	os.MkdirAll(empty, 0o755)
	if _, stderr, code := gapbench(t, "report", "--budget", "smoke", "--seeds", "2", "--protocol", "recipe", "--results", empty, "--out", filepath.Join(dir, "e")); code == 0 ||
		!strings.Contains(stderr, "have no valid result") {
		t.Errorf("report on an empty store: exit %d, %q; want an error saying results are missing", code, stderr)
	}

	merged := filepath.Join(dir, "merged")
	os.MkdirAll(merged, 0o755)
	for i := range 3 {
		shardDir := filepath.Join(dir, "shard"+string(rune('0'+i)))
		if _, stderr, code := gapbench(t, "run", "--budget", "smoke", "--seeds", "2", "-q", "--protocol", "recipe", "--results", shardDir,
			"--shard", string(rune('0'+i))+"/3"); code != 0 {
			t.Fatalf("shard %d: exit %d: %s", i, code, stderr)
		}
		copyDir(t, shardDir, merged)
	}
	c := report(merged, filepath.Join(dir, "c"))
	for name := range a {
		x, y := a[name], c[name]
		if name == "REPORT.md" {
			x, y = volatile.ReplaceAll(x, nil), volatile.ReplaceAll(y, nil)
		}
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs between the merged shards and one machine", name)
		}
	}

	addArmToCopy(t, whole, dir)

	got := volatile.ReplaceAll(a["REPORT.md"], []byte("| (provenance) | masked in the golden file |"))
	golden := filepath.Join("testdata", "REPORT.smoke.md")
	if *update {
		os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (go test ./cmd/gapbench -run ReportFromStore -update creates it)", err)
	}
	if !bytes.Equal(got, want) {
		os.WriteFile(filepath.Join("testdata", "REPORT.smoke.got"), got, 0o644)
		t.Errorf("REPORT.md differs from %s; see testdata/REPORT.smoke.got (-update accepts the change)", golden)
	}
}

// addArmToCopy extends a copy of a finished smoke store with an arm from an
// arm file, the loop the README shows: run computes only the new arm's runs
// and reuses the suite's, and report puts the arm into the tables, claims and
// curves of a report in its own directory, recomputing nothing.
func addArmToCopy(t *testing.T, store, dir string) {
	t.Helper()
	cp := filepath.Join(dir, "copy")
	copyDir(t, store, cp)
	armsFile := filepath.Join(dir, "my.yaml")
	os.WriteFile(armsFile, []byte("arms:\n  - name: my-reg\n    doc: offline DPO + a stronger NLL regulariser\n    diff: {method: dpo, dpo.sft_weight: 0.5}\n"), 0o644)
	ext := []string{"--arms-file", armsFile, "--suite", "H2", "--add-arm", "my-reg", "--against", "hypo", "--budget", "smoke", "--seeds", "2", "--protocol", "recipe", "--results", cp}
	_, stderr, code := gapbench(t, append([]string{"run"}, ext...)...)
	require.Equal(t, 0, code, "run --add-arm: %s", stderr)
	// H2 runs 6 arms and 3 oracle rows on 2 seeds, all stored; my-reg's 2 runs are new.
	assert.Contains(t, stderr, "gapbench: 20 runs (18 reused)", "run --add-arm on a copy of the store")
	t.Logf("run --add-arm: %s", stderr[strings.LastIndex(stderr, "gapbench:"):])
	before, err := os.ReadDir(cp)
	require.NoError(t, err)

	out := filepath.Join(dir, "extended")
	curves := filepath.Join(dir, "curves.csv")
	_, stderr, code = gapbench(t, append([]string{"report", "--out", out, "--curves", curves}, ext...)...)
	require.Equal(t, 0, code, "report --add-arm: %s", stderr)
	after, err := os.ReadDir(cp)
	require.NoError(t, err)
	assert.Len(t, after, len(before), "report --add-arm must not write to the store")
	md, err := os.ReadFile(filepath.Join(out, "REPORT.md"))
	require.NoError(t, err)
	for _, want := range []string{"| my-reg ", "H2.+my-reg", "my-reg > hypo", "![curves_H2.svg](curves_H2.svg)"} {
		assert.Contains(t, string(md), want, "REPORT.md with an added arm")
	}
	c, err := os.ReadFile(curves)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(c), "suite,arm,seed,step,metric,value\n"), "curves CSV header: %.60q", c)
	assert.Contains(t, string(c), "\nH2,my-reg,2,0,win_rate,", "my-reg's first win-rate probe")

	// Without the arm's runs, report says what to run instead of training.
	_, stderr, code = gapbench(t, "report", "--out", filepath.Join(dir, "x"), "--arms-file", armsFile, "--suite", "H2",
		"--add-arm", "my-reg", "--budget", "smoke", "--seeds", "2", "--protocol", "recipe", "--results", store)
	assert.NotEqual(t, 0, code)
	assert.Contains(t, stderr, "H2/my-reg/seed=1")
	assert.Contains(t, stderr, "gapbench run --suite H2 --add-arm my-reg")
}

// checkWidth fails for every line of out wider than width columns (combining
// marks take no column).
func checkWidth(t *testing.T, what, out string, width int) {
	t.Helper()
	widest := 0
	for i, line := range strings.Split(out, "\n") {
		n := 0
		for _, r := range line {
			if !unicode.Is(unicode.Mn, r) {
				n++
			}
		}
		widest = max(widest, n)
		if n > width {
			t.Errorf("%s, line %d: %d columns, want at most %d: %q", what, i+1, n, width, line)
		}
	}
	t.Logf("%s: widest line %d columns", what, widest)
}

// copyDir copies every file of a results store into another, as merging shards
// by hand (cp, rsync) would.
func copyDir(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}
