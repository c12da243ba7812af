package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gapbench/hypotheses"
	"gapbench/robustness"
)

// smokeDials sets every dial of the grid to one value that keeps the smoke
// budget fast (each inside its declared range), so that the test covers every
// dial in seconds.
var smokeDials = map[string]string{
	"pairs": "32", "tau": "2", "beta": "0.3", "width": "8", "teacher": "16", "pair_dist": "uniform", "vh": "4x3",
	"pairs_beta": "32/0.05",
}

// TestRobustnessSmoke runs gapbench robustness at the smoke budget over every
// dial and checks that the stability table has a row for every deciding claim
// at every grid point, that the section and figures are written, and that
// regenerating them from the store (--no-run) gives byte-identical output.
func TestRobustnessSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a smoke sweep")
	}
	dir := t.TempDir()
	results, out1, out2 := filepath.Join(dir, "results"), filepath.Join(dir, "out1"), filepath.Join(dir, "out2")
	os.Mkdir(out1, 0o755)
	os.Mkdir(out2, 0o755)
	args := []string{"robustness", "--budget", "smoke", "--seeds", "2", "-q", "--results", results}
	var labels []string
	for _, d := range robustness.Dials {
		v, ok := smokeDials[d.Name]
		if !ok {
			t.Fatalf("dial %s has no smoke value", d.Name)
		}
		args = append(args, "--dial", d.Name+"="+v)
		labels = append(labels, d.Name+"="+v)
	}
	stdout, stderr, code := gapbench(t, append(args, "--out", out1)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, s := range hypotheses.All() {
		for _, id := range s.DecidingIDs(hypotheses.Recipe) {
			for _, l := range append([]string{"default"}, labels...) {
				row := regexp.MustCompile(`│ ` + regexp.QuoteMeta(id) + ` +│ recipe +│ ` + regexp.QuoteMeta(l) + ` +│`)
				if !row.MatchString(stdout) {
					t.Errorf("no row for %s at %s", id, l)
				}
			}
		}
	}
	for _, want := range []string{"Stability per hypothesis", "not applicable: arm online@h1-simple sets world.h", "Holm's correction within that point's family"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	again, stderr, code := gapbench(t, append(args, "--no-run", "--out", out2)...)
	if code != 0 {
		t.Fatalf("--no-run: exit %d: %s", code, stderr)
	}
	if again != stdout {
		t.Error("--no-run printed a different table from the same store")
	}
	files, _ := os.ReadDir(out1)
	if len(files) < 2 {
		t.Fatalf("--out wrote %d files, want ROBUSTNESS.md and figures", len(files))
	}
	for _, f := range files {
		a, _ := os.ReadFile(filepath.Join(out1, f.Name()))
		b, err := os.ReadFile(filepath.Join(out2, f.Name()))
		if err != nil || !bytes.Equal(a, b) {
			t.Errorf("%s differs when regenerated from the store", f.Name())
		}
	}
}

// TestRobustnessBadInput checks that a dial value outside its declared range
// (or an unknown dial) exits with status 2, naming the dial and the value, and
// runs nothing.
func TestRobustnessBadInput(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"--dial", "pairs=5000"}, []string{"pairs", `"5000"`, "[16, 4096]"}},
		{[]string{"--dial", "tau=0"}, []string{"tau", `"0"`}},
		{[]string{"--dial", "vh=9x9"}, []string{"vh", `"9x9"`}},
		{[]string{"--dial", "pair_dist=gold"}, []string{"pair_dist", `"gold"`}},
		{[]string{"--dial", "nosuch"}, []string{"--dial", `"nosuch"`}},
		{[]string{"--seeds", "0"}, []string{"--seeds", "0"}},
		{[]string{"--protocol", "frontier2"}, []string{"--protocol", "frontier2"}},
		{[]string{"--budget", "huge"}, []string{"--budget", "huge"}},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			results := filepath.Join(t.TempDir(), "results")
			_, stderr, code := gapbench(t, append([]string{"robustness", "--budget", "smoke", "-q", "--results", results}, tc.args...)...)
			if code != 2 {
				t.Errorf("exit %d, want 2 (%s)", code, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr %q lacks %q", stderr, w)
				}
			}
			if entries, _ := os.ReadDir(results); len(entries) > 0 {
				t.Errorf("bad input wrote %d results", len(entries))
			}
		})
	}
}

// TestRobustnessHelpDocumentsEveryFlag checks that help (the package doc) lists
// every flag that robustness declares.
func TestRobustnessHelpDocumentsEveryFlag(t *testing.T) {
	out, _, code := gapbench(t, "help")
	if code != 0 {
		t.Fatal("help failed")
	}
	n := 0
	robustFlagSet(&robustFlags{}, &bytes.Buffer{}).VisitAll(func(f *flag.Flag) {
		n++
		name := "--" + f.Name
		if len(f.Name) == 1 {
			name = "-" + f.Name
		}
		if !strings.Contains(out, name+" ") {
			t.Errorf("flag %s of robustness is not documented in help", name)
		}
	})
	if n < 10 {
		t.Fatalf("robustness declares %d flags, want at least 10", n)
	}
	list, _, _ := gapbench(t, "list")
	for _, d := range robustness.Dials {
		if !strings.Contains(list, d.Name) || !strings.Contains(list, strings.Join(d.Values, " ")) {
			t.Errorf("list does not show dial %s and its grid", d.Name)
		}
	}
}

// TestRobustnessShards runs one dial in two shards (two workers) into one store
// and checks that the table read back from it is the table of one whole run
// with one worker: the grid shards and resumes like any sweep, and its numbers
// do not depend on the number of workers.
func TestRobustnessShards(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a smoke sweep twice")
	}
	dir := t.TempDir()
	args := func(results string, extra ...string) []string {
		return append([]string{"robustness", "--budget", "smoke", "--seeds", "2", "-q", "--dial", "tau=2", "--results", filepath.Join(dir, results)}, extra...)
	}
	whole, stderr, code := gapbench(t, args("whole", "--workers", "1")...)
	if code != 0 {
		t.Fatalf("whole: exit %d: %s", code, stderr)
	}
	for _, sh := range []string{"0/2", "1/2"} {
		out, stderr, code := gapbench(t, args("sharded", "--workers", "2", "--shard", sh)...)
		if code != 0 || !strings.Contains(out, "shard "+sh) {
			t.Fatalf("shard %s: exit %d: %s%s", sh, code, out, stderr)
		}
	}
	merged, stderr, code := gapbench(t, args("sharded", "--no-run")...)
	if code != 0 {
		t.Fatalf("--no-run on the shards: exit %d: %s", code, stderr)
	}
	if merged != whole {
		t.Error("the sharded grid (2 workers) gives a different table from the whole grid (1 worker)")
	}
}

// TestRobustnessProtocols runs one dial at the smoke budget under every
// protocol and checks that the table has a row for every deciding claim under
// every protocol its suite evaluates it under, at both points.
func TestRobustnessProtocols(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a smoke sweep")
	}
	results := filepath.Join(t.TempDir(), "results")
	stdout, stderr, code := gapbench(t, "robustness", "--budget", "smoke", "--seeds", "2", "-q", "--results", results,
		"--protocol", "all", "--dial", "tau=2")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	protocols, _ := hypotheses.ParseProtocols("all")
	n := 0
	for _, s := range hypotheses.All() {
		for _, p := range protocols {
			for _, id := range s.DecidingIDs(p) {
				for _, l := range []string{"default", "tau=2"} {
					n++
					row := regexp.MustCompile(`│ ` + regexp.QuoteMeta(id) + ` +│ ` + p + ` +│ ` + regexp.QuoteMeta(l) + ` +│`)
					if !row.MatchString(stdout) {
						t.Errorf("no row for %s under %s at %s", id, p, l)
					}
				}
			}
		}
	}
	if n == 0 {
		t.Fatal("no deciding claims")
	}
}
