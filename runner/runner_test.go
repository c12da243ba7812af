package runner

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"gapbench/recipe"
	"gapbench/store"
)

// tiny is a world and recipe small enough for unit tests.
func tiny(method string) recipe.Config {
	c := recipe.Default()
	c.World.V, c.World.H = 4, 3
	c.World.TrainPrompts, c.World.ValPrompts, c.World.AugPrompts = 6, 6, 4
	c.World.TeacherWidth, c.World.Pairs, c.World.Demos = 16, 24, 4
	c.Policy.Width = 8
	c.SFT.Epochs, c.RM.Epochs = 3, 3
	c.Method = method
	return c
}

func TestRunMethods(t *testing.T) {
	for _, method := range []string{recipe.MethodSFT, recipe.MethodDPO, recipe.MethodOnline, recipe.MethodRM} {
		t.Run(method, func(t *testing.T) {
			res, err := New().Run(context.Background(), tiny(method), 1)
			if err != nil {
				t.Fatal(err)
			}
			want := []string{"win_rate", "gold_reward", "kl_ref"}
			if method == recipe.MethodRM {
				want = []string{"rm_lik_id", "rm_lik_ood", "bon_25"}
			}
			for _, m := range want {
				if _, ok := res.Metrics[m]; !ok {
					t.Errorf("no metric %q in %v", m, res.Metrics)
				}
			}
			if method == recipe.MethodSFT && res.Metrics["kl_ref"] != 0 {
				t.Errorf("the SFT arm's KL to SFT is %v, want 0", res.Metrics["kl_ref"])
			}
		})
	}
}

func TestRunRejectsBadConfig(t *testing.T) {
	c := tiny(recipe.MethodDPO)
	c.DPO.Beta = -0.1
	if _, err := New().Run(context.Background(), c, 1); err == nil || !strings.Contains(err.Error(), "dpo.beta must be > 0, got -0.1") {
		t.Fatalf("Run(beta -0.1) = %v", err)
	}
}

// TestSweepStore checks that a sweep saves every result, that a second sweep
// reuses them all with identical results, and that a truncated result file is
// reported and recomputed.
func TestSweepStore(t *testing.T) {
	dir := t.TempDir()
	st, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	var jobs []Job
	for _, m := range []string{recipe.MethodDPO, recipe.MethodOnline} {
		for seed := 1; seed <= 2; seed++ {
			jobs = append(jobs, Job{Suite: "t", Arm: m, Seed: seed, Config: tiny(m)})
		}
	}
	jobs = append(jobs, jobs[0]) // a duplicate is run once
	first, err := New().Sweep(context.Background(), jobs, SweepOptions{Workers: 2, Store: st})
	if err != nil {
		t.Fatal(err)
	}
	if keys, _ := st.Keys(); len(keys) != 4 {
		t.Fatalf("%d results stored, want 4", len(keys))
	}
	reused := 0
	second, err := New().Sweep(context.Background(), jobs, SweepOptions{Workers: 1, Store: st,
		OnDone: func(o Outcome) {
			if o.Reused {
				reused++
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	if reused != 4 {
		t.Errorf("second sweep reused %d runs, want 4", reused)
	}
	for i := range first {
		if !reflect.DeepEqual(first[i].Result.Metrics, second[i].Result.Metrics) {
			t.Errorf("job %d: stored metrics differ from computed ones", i)
		}
	}
	// Truncate one result by hand: it must be detected and recomputed.
	path := st.Path(jobs[1].Key())
	b, _ := os.ReadFile(path)
	if err := os.WriteFile(path, b[:len(b)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	var corrupt []string
	third, err := New().Sweep(context.Background(), jobs, SweepOptions{Store: st,
		OnCorrupt: func(j Job, err error) { corrupt = append(corrupt, j.Name()) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(corrupt) != 1 || corrupt[0] != jobs[1].Name() {
		t.Errorf("corrupt results reported: %v, want [%s]", corrupt, jobs[1].Name())
	}
	if third[1].Reused || !reflect.DeepEqual(third[1].Result.Metrics, first[1].Result.Metrics) {
		t.Errorf("the truncated run was not recomputed to the same metrics")
	}
	if _, err := os.Stat(filepath.Join(dir)); err != nil {
		t.Fatal(err)
	}
}

// TestWorkersDoNotChangeResults runs the same jobs with 1 and 3 workers.
func TestWorkersDoNotChangeResults(t *testing.T) {
	var jobs []Job
	variants := map[string]recipe.Config{}
	for _, m := range []string{recipe.MethodSFT, recipe.MethodDPO, recipe.MethodOnline, recipe.MethodRM} {
		variants[m] = tiny(m)
	}
	// Every path through the shared artifacts: online from the DPO policy, the
	// local labeller, narrow data, a local RM, the tilt class.
	c := tiny(recipe.MethodOnline)
	c.Online.Start = "dpo"
	variants["online-from-dpo"] = c
	c = tiny(recipe.MethodOnline)
	c.Online.Labeller = recipe.LabelLocal
	variants["online-local"] = c
	c = tiny(recipe.MethodOnline)
	c.Data.Source = recipe.DataNarrow
	variants["online-narrow"] = c
	c = tiny(recipe.MethodRM)
	c.RM.Kind = recipe.RMLocal
	variants["rm-local"] = c
	c = tiny(recipe.MethodOnline)
	c.Policy.Class, c.RM.Kind = recipe.ClassTilt, recipe.RMLinear
	variants["online-tilt"] = c
	for name, cfg := range variants {
		for seed := 1; seed <= 3; seed++ {
			jobs = append(jobs, Job{Suite: "t", Arm: name, Seed: seed, Config: cfg})
		}
	}
	sort.Slice(jobs, func(i, j int) bool { return jobs[i].Name() < jobs[j].Name() })
	r1, r3 := New(), New()
	a, err := r1.Sweep(context.Background(), jobs, SweepOptions{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	b, err := r3.Sweep(context.Background(), jobs, SweepOptions{Workers: 3})
	if err != nil {
		t.Fatal(err)
	}
	// Each seed's artifacts are released when its last run finishes.
	for _, r := range []*Runner{r1, r3} {
		if n := len(r.cells); n != 0 {
			t.Errorf("%d memoised artifacts left after the sweep, want 0", n)
		}
	}
	for i := range a {
		if !reflect.DeepEqual(a[i].Result.Metrics, b[i].Result.Metrics) || !reflect.DeepEqual(a[i].Result.Curves, b[i].Result.Curves) {
			t.Errorf("%s: results differ between 1 and 3 workers", a[i].Job.Name())
		}
	}
}

func TestKeyDependsOnConfigAndSeed(t *testing.T) {
	c := tiny(recipe.MethodDPO)
	d := c
	d.DPO.Beta = 0.2
	if Key(c, 1) == Key(c, 2) || Key(c, 1) == Key(d, 1) || Key(c, 1) != Key(tiny(recipe.MethodDPO), 1) {
		t.Error("Key must depend on exactly the config and the seed")
	}
}

// TestSweepWorldByWorld checks that within a seed a sweep runs one world's
// runs after another, whatever the job order (jobs alternate between two
// worlds here, as a robustness grid's point-by-point plan does), and that when
// the second world starts the first world's memoised artifacts are gone.
func TestSweepWorldByWorld(t *testing.T) {
	a := tiny(recipe.MethodDPO)
	b := a
	b.World.Tau = 2 // another world
	sftA, sftB := a, b
	sftA.Method, sftB.Method = recipe.MethodSFT, recipe.MethodSFT
	var jobs []Job
	for i, c := range []recipe.Config{a, b, sftA, sftB} {
		jobs = append(jobs, Job{Suite: "t", Arm: fmt.Sprintf("arm%d", i), Seed: 1, Config: c})
	}
	r := New()
	groupA := group(a, 1)
	var order []string
	var leftA []int // artifacts of world A memoised when each run finishes
	_, err := r.Sweep(context.Background(), jobs, SweepOptions{Workers: 1, OnDone: func(o Outcome) {
		order = append(order, group(o.Job.Config, o.Job.Seed))
		r.mu.Lock()
		n := 0
		for _, c := range r.cells {
			if c.group == groupA {
				n++
			}
		}
		r.mu.Unlock()
		leftA = append(leftA, n)
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(order) != 4 || order[0] != groupA || order[1] != groupA || order[2] == groupA || order[3] == groupA {
		t.Fatalf("runs went world by world? order %v (world A is %s)", order, groupA)
	}
	if leftA[1] != 0 || leftA[2] != 0 {
		t.Errorf("world A's artifacts left after its last run: %v per finished run, want 0 from the second on", leftA)
	}
}
