package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// exampleCommand returns the gapbench stats command that examples/README.md
// shows, with its arguments.
func exampleCommand(t *testing.T) []string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "examples", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if _, cmd, ok := strings.Cut(line, "go run ./cmd/gapbench "); ok {
			return strings.Fields(cmd)
		}
	}
	t.Fatal("examples/README.md shows no go run ./cmd/gapbench command")
	return nil
}

// TestStatsExample runs the command examples/README.md shows (and the README
// repeats), from the module root, in every format, and compares the output
// with testdata/stats-example.{txt,md,csv}; -update rewrites them.
func TestStatsExample(t *testing.T) {
	args := exampleCommand(t)
	if args[0] != "stats" {
		t.Fatalf("example command %q is not gapbench stats", args)
	}
	for i, a := range args {
		if strings.HasPrefix(a, "examples/") {
			args[i] = filepath.Join("..", "..", a)
		}
	}
	for _, c := range []struct{ format, file string }{
		{"terminal", "stats-example.txt"}, {"markdown", "stats-example.md"}, {"csv", "stats-example.csv"},
	} {
		t.Run(c.format, func(t *testing.T) {
			a := args
			if c.format != "terminal" {
				a = append(append([]string{}, args...), "--format", c.format)
			}
			out, stderr, code := gapbench(t, a...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			golden := filepath.Join("testdata", c.file)
			if *update {
				if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (-update creates it)", err)
			}
			if out != string(want) {
				got := strings.TrimSuffix(golden, filepath.Ext(golden)) + ".got-stdout"
				os.WriteFile(got, []byte(out), 0o644)
				t.Errorf("output differs from %s; see %s (-update accepts it)", golden, got)
			}
		})
	}
	// The top-level README shows the same command, if it shows one.
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(readme), "\n") {
		if _, cmd, ok := strings.Cut(line, "go run ./cmd/gapbench stats "); ok {
			cmd, _, _ = strings.Cut(cmd, "#")
			if got, want := "stats "+strings.Join(strings.Fields(cmd), " "), strings.Join(exampleCommand(t), " "); got != want {
				t.Errorf("README.md shows %q, examples/README.md (which this test runs) %q", got, want)
			}
		}
	}
	// The claims it decides are those of the claims file.
	out, _, _ := gapbench(t, args...)
	for _, want := range []string{"gap.online", "ctx.kl", "verdict: inconclusive", "Δ win_rate vs dpo", "5 seeds, 8 needed"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
}

// TestStatsBadInput: every kind of bad input exits 2 and names the file, the
// line and the problem, and prints nothing to stdout.
func TestStatsBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	const h = "suite,arm,seed,metric,value\n"
	good := write("good.csv", h+"s,dpo,1,win_rate,50\ns,dpo,2,win_rate,52\ns,online,1,win_rate,55\ns,online,2,win_rate,54\n")
	claim := func(body string) string { return "claims:\n  - id: c\n" + body }
	ok := "    metric: win_rate\n    a: online\n    b: dpo\n"
	claims := write("claims.yaml", claim(ok+"    kind: superiority\n"))
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"no file", []string{"stats"}, []string{"stats needs one results file", "got 0"}},
		{"two files", []string{"stats", good, good}, []string{"got 2"}},
		{"missing file", []string{"stats", filepath.Join(dir, "nope.csv")}, []string{"nope.csv", "no such file"}},
		{"bad format", []string{"stats", good, "--format", "html"}, []string{`--format must be terminal, markdown or csv, got "html"`}},
		{"unknown flag", []string{"stats", good, "--claim", claims}, []string{"-claim"}},
		{"missing claims file", []string{"stats", good, "--claims", filepath.Join(dir, "nope.yaml")}, []string{"--claims", "nope.yaml"}},
		{"unpaired seeds", []string{"stats", write("unpaired.csv", h+"s,dpo,1,win_rate,50\ns,dpo,2,win_rate,52\ns,online,1,win_rate,55\ns,online,3,win_rate,54\n"), "--claims", claims},
			[]string{"unpaired.csv:3: seeds do not pair", `claim "c" compares online with dpo on win_rate by seed, but seed 2 has dpo and no online`}},
		{"arm the CSV lacks", []string{"stats", good, "--claims", write("ppo.yaml", claim("    metric: win_rate\n    a: ppo\n    b: dpo\n    kind: superiority\n"))},
			[]string{"ppo.yaml:2:", `claim "c": arm "ppo" has no rows in`, "good.csv (its arms: dpo, online)"}},
		{"metric the CSV lacks", []string{"stats", good, "--claims", write("kl.yaml", claim("    metric: kl_ref\n    a: online\n    b: dpo\n    kind: superiority\n"))},
			[]string{"kl.yaml:2:", `metric "kl_ref" has no rows`}},
		{"NaN value", []string{"stats", write("nan.csv", h+"s,dpo,1,win_rate,50\ns,dpo,2,win_rate,nan\n")}, []string{"nan.csv:3:", `value "nan" of win_rate is not finite`}},
		{"infinite value", []string{"stats", write("inf.csv", h+"s,dpo,1,kl,+Inf\n")}, []string{"inf.csv:2:", "not finite"}},
		{"out of range", []string{"stats", write("range.csv", h+"s,dpo,1,win_rate,0.5\ns,dpo,2,win_rate,150\n")}, []string{"range.csv:3:", "win_rate = 150 is outside its range [0, 100]"}},
		{"duplicate row", []string{"stats", write("dup.csv", h+"s,dpo,1,win_rate,50\ns,dpo,1,win_rate,51\n")}, []string{"dup.csv:3:", "duplicate row: arm dpo, seed 1, metric win_rate is already on line 2"}},
		{"unknown column", []string{"stats", write("col.csv", "suite,arm,seed,step,metric,value\n")}, []string{"col.csv:1:", `unknown column "step"`}},
		{"several suites", []string{"stats", write("multi.csv", h+"a,dpo,1,m,1\nb,dpo,1,m,1\n")}, []string{"multi.csv:", "choose one with --suite"}},
		{"unknown suite", []string{"stats", good, "--suite", "H9"}, []string{"good.csv", "--suite must be one of", `"H9"`}},
		{"claims: unknown field", []string{"stats", good, "--claims", write("u.yaml", claim(ok+"    kind: superiority\n    margn: 2\n"))}, []string{"u.yaml:7:", `unknown field "margn"`}},
		{"claims: wrong type", []string{"stats", good, "--claims", write("w.yaml", claim(ok+"    kind: superiority\n    margin: two\n"))}, []string{"w.yaml:7:", `field "margin": want a number, got "two"`}},
		{"claims: bad kind", []string{"stats", good, "--claims", write("k.yaml", claim(ok+"    kind: better\n"))}, []string{"k.yaml:6:", "want superiority or equivalence"}},
		{"claims: bad direction", []string{"stats", good, "--claims", write("d.yaml", claim(ok+"    kind: superiority\n    direction: up\n"))}, []string{"d.yaml:7:", `field "direction"`, `"up"`}},
		{"claims: equivalence margin 0", []string{"stats", good, "--claims", write("m.yaml", claim(ok+"    kind: equivalence\n    margin: 0\n"))}, []string{"m.yaml:7:", "an equivalence claim needs margin > 0, got 0"}},
		{"claims: margin as wide as the range", []string{"stats", good, "--claims", write("wide.yaml", claim(ok+"    kind: equivalence\n    margin: 100\n"))}, []string{"margin 100 is not smaller than the widest possible difference 100"}},
		{"claims: tiny margin", []string{"stats", write("huge.csv", h+"s,a,1,m,1e300\ns,a,2,m,1.2e300\ns,b,1,m,0.9e300\ns,b,2,m,1e300\n"), "--claims",
			write("tiny.yaml", "claims:\n  - {id: c, metric: m, a: a, b: b, kind: equivalence, margin: 1e-30}\n")}, []string{"tiny.yaml:2:", `claim "c": margin 1e-30 is too small`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, stderr, code := gapbench(t, tc.args...)
			if code != 2 {
				t.Errorf("exit %d, want 2 (stderr %q)", code, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr %q lacks %q", stderr, w)
				}
			}
			if out != "" {
				t.Errorf("printed %q before failing", out)
			}
		})
	}
}

// TestStatsFlagsDocumented checks that help (the package doc) lists every
// flag of gapbench stats.
func TestStatsFlagsDocumented(t *testing.T) {
	out, _, _ := gapbench(t, "help")
	n := 0
	statsFlagSet(&statsFlags{}, &bytes.Buffer{}).VisitAll(func(f *flag.Flag) {
		n++
		if !strings.Contains(out, "--"+f.Name+" ") {
			t.Errorf("flag --%s of stats is not documented in help", f.Name)
		}
	})
	if n != 3 || !strings.Contains(out, "gapbench stats") {
		t.Errorf("stats declares %d flags (want 3), or help lacks the command", n)
	}
}

// TestStatsFlagsAnywhere: flags may come before or after the results file.
func TestStatsFlagsAnywhere(t *testing.T) {
	csv, claims := filepath.Join("..", "..", "examples", "trl-pythia-1b.csv"), filepath.Join("..", "..", "examples", "trl-pythia-1b-claims.yaml")
	a, _, ca := gapbench(t, "stats", csv, "--claims", claims)
	b, _, cb := gapbench(t, "stats", "--claims", claims, csv)
	if ca != 0 || cb != 0 || a != b {
		t.Errorf("flags after the file (exit %d) and before it (exit %d) differ", ca, cb)
	}
}
