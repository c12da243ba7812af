package hypotheses

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gapbench/arms"
	"gapbench/recipe"
	"gapbench/runner"
	"gapbench/stats"
)

var (
	budgetFlag = flag.String("budget", "smoke", "budget of the suite tests: smoke, quick or full")
	update     = flag.Bool("update", false, "rewrite the golden claims tables in testdata/")
)

// runSuite runs one suite at the test budget, checks it can be evaluated and
// that its arms are apples to apples, prints its claims table (-v), and at the
// smoke budget compares the table with testdata/<suite>.golden. It never fails
// because a verdict differs from the paper's.
func runSuite(t *testing.T, name string) {
	t.Helper()
	s, err := Get(name)
	if err != nil {
		t.Fatal(err)
	}
	b, err := GetBudget(*budgetFlag)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CheckApples(b); err != nil {
		t.Fatal(err)
	}
	st, err := RunStudy(context.Background(), []*Suite{s}, b, b.Seeds, runner.SweepOptions{}, stats.DefaultOptions())
	if err != nil {
		t.Fatalf("suite %s cannot run: %v", name, err)
	}
	r := st.Results[0]
	if len(r.Claims) != len(s.Claims) {
		t.Fatalf("%d of %d claims evaluated", len(r.Claims), len(s.Claims))
	}
	var buf bytes.Buffer
	if err := stats.RenderClaims(&buf, r.Claims, stats.Markdown); err != nil {
		t.Fatal(err)
	}
	buf.WriteString("\nverdict: " + string(r.Verdict) + "\n")
	t.Logf("suite %s at budget %s (%d seeds): %s (paper: %s)\n%s", s.Name, b.Name, b.Seeds, r.Verdict, s.Paper, buf.String())
	if b.Name != "smoke" {
		return
	}
	golden(t, filepath.Join("testdata", s.Name+".golden"), buf.Bytes())
}

// golden compares got with a golden file; -update rewrites it, and a mismatch
// writes got beside it as <name>.got for diffing.
func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./hypotheses/ -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		gotPath := strings.TrimSuffix(path, ".golden") + ".got"
		os.WriteFile(gotPath, got, 0o644)
		t.Errorf("claims table differs from %s; see %s (results are deterministic: a change here is a change in behaviour; -update accepts it)", path, gotPath)
	}
}

func TestGap(t *testing.T) { runSuite(t, "gap") }
func TestH1(t *testing.T)  { runSuite(t, "H1") }
func TestH2(t *testing.T)  { runSuite(t, "H2") }
func TestH3(t *testing.T)  { runSuite(t, "H3") }
func TestH4(t *testing.T)  { runSuite(t, "H4") }
func TestH5(t *testing.T)  { runSuite(t, "H5") }
func TestH6(t *testing.T)  { runSuite(t, "H6") }

// TestAddArm adds an arm the way the README shows — one registry entry and one
// line in a suite — and runs the suite with it.
func TestAddArm(t *testing.T) {
	a := arms.Arm{Name: "test-dpo-ipo", Doc: "offline DPO with the IPO loss", Diff: recipe.Diff{"method": "dpo", "dpo.loss": "ipo"}}
	if err := arms.Register(a); err != nil {
		t.Fatal(err)
	}
	h2, err := Get("H2")
	if err != nil {
		t.Fatal(err)
	}
	s := *h2
	s.Arms = append(s.Arms[:len(s.Arms):len(s.Arms)], arm("test-dpo-ipo"))
	s.Claims = append(s.Claims[:len(s.Claims):len(s.Claims)], sup("H2.ipo", "win_rate", "test-dpo-ipo", "dpo", winMargin, false, "IPO vs DPO"))
	b := Budgets["smoke"]
	st, err := RunStudy(context.Background(), []*Suite{&s}, b, 2, runner.SweepOptions{}, stats.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, c := range st.Results[0].Claims {
		if c.Claim.ID == "H2.ipo" {
			found = true
			if c.Paired.N != 2 {
				t.Errorf("claim H2.ipo has %d seeds, want 2", c.Paired.N)
			}
		}
	}
	if !found {
		t.Fatal("the added arm's claim was not evaluated")
	}
	if v := st.ArmValues(&s, "test-dpo-ipo")["win_rate"]; len(v) != 2 {
		t.Fatalf("added arm has %d win rates, want 2", len(v))
	}
}

// TestCheckSharedCatchesDifferentData checks that the shared-artifact check
// fails when two compared arms did not start from the same data.
func TestCheckSharedCatchesDifferentData(t *testing.T) {
	s := &Suite{Name: "t", Arms: []arms.Arm{arm("dpo"), arm("online-dpo-sft")},
		Claims: []Claim{sup("t.1", "win_rate", "online-dpo-sft", "dpo", 1, true, "")}}
	res := func(data string) *runner.Result {
		return &runner.Result{Shared: map[string]string{"world": "w", "sft": "s", "data": data}}
	}
	outs := []runner.Outcome{
		{Job: runner.Job{Suite: "t", Arm: "dpo", Seed: 1}, Result: res("d1")},
		{Job: runner.Job{Suite: "t", Arm: "online-dpo-sft", Seed: 1}, Result: res("d1")},
	}
	if err := s.CheckShared(outs); err != nil {
		t.Fatalf("same artifacts: %v", err)
	}
	outs[1].Result = res("d2")
	if err := s.CheckShared(outs); err == nil || !strings.Contains(err.Error(), "different data") {
		t.Fatalf("different data: got %v, want an error naming the data", err)
	}
}

func TestBudgetErrors(t *testing.T) {
	if _, err := GetBudget("huge"); err == nil || !strings.Contains(err.Error(), `--budget must be one of smoke, quick, full, got "huge"`) {
		t.Errorf("GetBudget(huge) = %v", err)
	}
	if _, err := Get("H7"); err == nil || !strings.Contains(err.Error(), `"H7"`) {
		t.Errorf("Get(H7) = %v", err)
	}
	if _, err := StudyJobs(All(), Budgets["smoke"], 0); err == nil || !strings.Contains(err.Error(), "--seeds must be >= 1, got 0") {
		t.Errorf("StudyJobs(seeds 0) = %v", err)
	}
}
