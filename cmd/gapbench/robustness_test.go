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
	"gapbench/reports"
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
	args := []string{"robustness", "--budget", "smoke", "--seeds", "2", "--protocol", "recipe", "-q", "--results", results}
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
// every protocol its suite evaluates it under, at both points; then that the
// report renders its robustness section from that store (checkReportRobustness).
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
	checkReportRobustness(t, results)
}

// checkReportRobustness checks gapbench report --robustness on a store holding
// the smoke grid (2 seeds, every protocol, the default and tau=2): REPORT.md
// gets the robustness section and OUT/robustness/ the grid's full table and
// figures; two renderings are byte-identical; the table has a row for every
// deciding claim × protocol × grid point in the store; a grid point missing
// runs under some protocol is left out and named; a missing store gives the
// section saying how to produce it; and the section matches its golden file
// testdata/REPORT.robustness.smoke.md (-update rewrites it).
func checkReportRobustness(t *testing.T, robust string) {
	t.Helper()
	dir := t.TempDir()
	record := filepath.Join(dir, "record")
	if _, stderr, code := gapbench(t, "run", "--budget", "smoke", "--seeds", "2", "-q", "--protocol", "recipe", "--results", record); code != 0 {
		t.Fatalf("run: exit %d: %s", code, stderr)
	}
	report := func(out, robustDir string) (map[string][]byte, string) {
		t.Helper()
		_, stderr, code := gapbench(t, "report", "--budget", "smoke", "--seeds", "2", "--protocol", "recipe", "--results", record,
			"--robustness", robustDir, "--out", filepath.Join(dir, out))
		if code != 0 {
			t.Fatalf("report --robustness %s: exit %d: %s", robustDir, code, stderr)
		}
		files := readReport(t, filepath.Join(dir, out))
		if _, err := os.Stat(filepath.Join(dir, out, reports.RobustnessDir)); err == nil {
			for name, data := range readReport(t, filepath.Join(dir, out, reports.RobustnessDir)) {
				files[reports.RobustnessDir+"/"+name] = data
			}
		}
		return files, stderr
	}
	a, _ := report("a", robust)
	b, _ := report("b", robust)
	for name := range a {
		if !bytes.Equal(a[name], b[name]) {
			t.Errorf("%s differs between two reports from the same stores", name)
		}
	}
	md := string(a["REPORT.md"])
	start := strings.Index(md, "## Robustness")
	end := strings.Index(md, "\n## Figures")
	if start < 0 || end < start {
		t.Fatalf("REPORT.md has no robustness section before its figures")
	}
	section := md[start:end]
	for _, want := range []string{"budget smoke, 2 seeds per arm", "protocols: recipe, tuned, frontier", "Grid points are descriptive",
		"Holm's correction within that point's family", "(robustness/ROBUSTNESS.md)", "](robustness/robustness_gap.svg)", "| data  | tuned "} {
		if !strings.Contains(section, want) {
			t.Errorf("the robustness section lacks %q", want)
		}
	}
	table := string(a[reports.RobustnessDir+"/ROBUSTNESS.md"])
	protocols, _ := hypotheses.ParseProtocols("all")
	for _, s := range hypotheses.All() {
		for _, p := range protocols {
			for _, id := range s.DecidingIDs(p) {
				for _, l := range []string{"default", "tau=2"} {
					row := regexp.MustCompile(`(?m)^\| ` + regexp.QuoteMeta(id) + ` +\| ` + p + ` +\| ` + regexp.QuoteMeta(l) + ` +\|`)
					if !row.MatchString(table) {
						t.Errorf("robustness/ROBUSTNESS.md has no row for %s under %s at %s", id, p, l)
					}
				}
			}
		}
		if len(s.DecidingIDs(hypotheses.Tuned)) > 0 && a[reports.RobustnessDir+"/robustness_"+s.Name+".svg"] == nil {
			t.Errorf("no robustness figure for %s", s.Name)
		}
	}

	golden := filepath.Join("testdata", "REPORT.robustness.smoke.md")
	if *update {
		if err := os.WriteFile(golden, []byte(section), 0o644); err != nil {
			t.Fatal(err)
		}
	} else if want, err := os.ReadFile(golden); err != nil {
		t.Errorf("%v (go test ./cmd/gapbench -run RobustnessProtocols -update creates it)", err)
	} else if section != string(want) {
		os.WriteFile(filepath.Join("testdata", "REPORT.robustness.smoke.got"), []byte(section), 0o644)
		t.Errorf("the robustness section differs from %s; see testdata/REPORT.robustness.smoke.got (-update accepts the change)", golden)
	}

	missing, stderr := report("missing", filepath.Join(dir, "nosuch"))
	if !strings.Contains(string(missing["REPORT.md"]), "generated without a robustness grid. `make robustness` runs one") || !strings.Contains(stderr, "no robustness grid") {
		t.Errorf("report --robustness on a missing store: the section does not say how to produce the grid (stderr %q)", stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "nosuch")); err == nil {
		t.Error("report --robustness created the missing store")
	}

	// beta=0.3 under the recipe only: the point misses tuned and frontier runs.
	if _, stderr, code := gapbench(t, "robustness", "--budget", "smoke", "--seeds", "2", "-q", "--results", robust, "--dial", "beta=0.3", "--protocol", "recipe"); code != 0 {
		t.Fatalf("robustness --dial beta=0.3: exit %d: %s", code, stderr)
	}
	partial, _ := report("partial", robust)
	if !strings.Contains(string(partial["REPORT.md"]), "Left out: grid points beta=0.3 (tuned, frontier)") {
		t.Error("a grid point missing runs under two protocols is not named as left out")
	}
}

// TestGridSeeds checks the robustness grid's default seeds: the budget's, at
// most 10, and --seeds whatever the budget.
func TestGridSeeds(t *testing.T) {
	for _, tc := range []struct {
		budget string
		flag   int
		want   int
	}{
		{"smoke", 0, 3},
		{"quick", 0, 10},
		{"full", 0, 10},
		{"quick", 20, 20},
		{"smoke", 7, 7},
	} {
		if got := gridSeedsFor(hypotheses.Budgets[tc.budget], tc.flag); got != tc.want {
			t.Errorf("budget %s, --seeds %d: %d seeds, want %d", tc.budget, tc.flag, got, tc.want)
		}
	}
}
