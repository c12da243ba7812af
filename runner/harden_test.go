package runner

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"gapbench/recipe"
	"gapbench/store"
)

// TestExpectedMetrics checks ExpectedMetrics against what Run produces for every
// method and every path that changes the set of metrics.
func TestExpectedMetrics(t *testing.T) {
	t.Parallel()
	variants := map[string]recipe.Config{}
	for _, m := range []string{recipe.MethodSFT, recipe.MethodDPO, recipe.MethodOnline, recipe.MethodRM} {
		variants[m] = tiny(m)
	}
	c := tiny(recipe.MethodOnline)
	c.Online.Labeller = recipe.LabelGold
	variants["online-gold"] = c
	c = tiny(recipe.MethodDPO)
	c.DPO.Epochs = 0
	variants["dpo-0-epochs"] = c
	c = tiny(recipe.MethodDPO)
	c.Eval.BestOfN = nil
	variants["dpo-no-bon"] = c
	for _, p := range []string{recipe.ProtocolTuned, recipe.ProtocolFrontier} {
		pc, err := recipe.NewProtocol(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range []string{recipe.MethodDPO, recipe.MethodOnline, recipe.MethodRM} {
			c := tiny(m).WithProtocol(pc)
			if p == recipe.ProtocolTuned {
				c.Protocol.Grid = []int{1, 2}
			} else {
				c.Protocol.Epochs = 2
			}
			variants[p+"-"+m] = c
		}
	}
	r := New()
	for name, cfg := range variants {
		t.Run(name, func(t *testing.T) {
			res, err := r.Run(context.Background(), cfg, 1)
			if err != nil {
				t.Fatal(err)
			}
			want, ok := ExpectedMetrics(cfg)
			if !ok {
				t.Fatalf("method %q unknown", cfg.Method)
			}
			if got := sortedKeys(res.Metrics); strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("Run produced metrics\n%v\nExpectedMetrics says\n%v", got, want)
			}
			if err := CheckResult(res, cfg); err != nil {
				t.Errorf("CheckResult of a fresh result: %v", err)
			}
		})
	}
}

// TestSweepNonFinite sweeps a run whose DPO learning rate (1e308) makes its
// parameters overflow beside a healthy one: the bad run must be recorded as a
// *Failure naming what became non-finite and not saved; the good one finishes.
func TestSweepNonFinite(t *testing.T) {
	t.Parallel()
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	bad := tiny(recipe.MethodDPO)
	bad.DPO.LR = 1e308
	jobs := []Job{{Suite: "t", Arm: "bad", Seed: 1, Config: bad}, {Suite: "t", Arm: "good", Seed: 1, Config: tiny(recipe.MethodDPO)}}
	outs, err := New().Sweep(context.Background(), jobs, SweepOptions{Workers: 2, Store: st})
	if err != nil {
		t.Fatalf("Sweep: %v, want the failure recorded and the sweep finished", err)
	}
	var f *Failure
	if !errors.As(outs[0].Err, &f) || outs[0].Result != nil || !strings.Contains(outs[0].Err.Error(), "NaN") && !strings.Contains(outs[0].Err.Error(), "Inf") {
		t.Errorf("bad run: Err %v, Result %v; want a *Failure naming the non-finite value", outs[0].Err, outs[0].Result)
	}
	if outs[1].Err != nil || outs[1].Result == nil {
		t.Errorf("good run: %v", outs[1].Err)
	}
	if len(Failed(outs)) != 1 {
		t.Errorf("Failed = %d outcomes, want 1", len(Failed(outs)))
	}
	keys, _ := st.Keys()
	if len(keys) != 1 || keys[0] != jobs[1].Key() {
		t.Errorf("stored keys %v, want only the good run's", keys)
	}
}

// TestSweepIncompleteResult removes the metrics of a stored result and saves it
// again with a valid checksum: the next sweep must report the file by name and
// recompute the run, not reuse it.
func TestSweepIncompleteResult(t *testing.T) {
	t.Parallel()
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	jobs := []Job{{Suite: "t", Arm: "dpo", Seed: 1, Config: tiny(recipe.MethodDPO)}}
	first, err := New().Sweep(context.Background(), jobs, SweepOptions{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	for _, drop := range []string{"win_rate", "every metric"} {
		res := *first[0].Result
		res.Metrics = map[string]float64{}
		for k, v := range first[0].Result.Metrics {
			if k != drop && drop != "every metric" {
				res.Metrics[k] = v
			}
		}
		if err := st.Save(jobs[0].Key(), res); err != nil {
			t.Fatal(err)
		}
		var reported []string
		again, err := New().Sweep(context.Background(), jobs, SweepOptions{Store: st,
			OnCorrupt: func(j Job, err error) { reported = append(reported, err.Error()) }})
		if err != nil {
			t.Fatal(err)
		}
		if len(reported) != 1 || !strings.Contains(reported[0], st.Path(jobs[0].Key())) {
			t.Errorf("%s: reported %v, want one message naming %s", drop, reported, st.Path(jobs[0].Key()))
		}
		if again[0].Reused || again[0].Result.Metrics["win_rate"] != first[0].Result.Metrics["win_rate"] {
			t.Errorf("%s: the incomplete result was reused, or recomputed differently", drop)
		}
	}
}

// TestSweepCancel cancels a sweep while its runs train: Sweep must return
// context.Canceled within a second, having saved the runs that finished before.
func TestSweepCancel(t *testing.T) {
	t.Parallel()
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	quick := tiny(recipe.MethodSFT)
	slow := tiny(recipe.MethodDPO)
	slow.World.Pairs = 2000
	slow.DPO.Epochs = 1000 // minutes of training
	slow.DPO.Batch = 1
	jobs := []Job{{Suite: "t", Arm: "quick", Seed: 1, Config: quick}, {Suite: "t", Arm: "slow", Seed: 1, Config: slow}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var finished []string
	var cancelled time.Time
	go func() {
		time.Sleep(500 * time.Millisecond)
		cancelled = time.Now()
		cancel()
	}()
	_, err = New().Sweep(ctx, jobs, SweepOptions{Workers: 2, Store: st,
		OnDone: func(o Outcome) { finished = append(finished, o.Job.Arm) }})
	took := time.Since(cancelled)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Sweep = %v, want context.Canceled", err)
	}
	// Under a second on an idle machine (a training step is milliseconds); the
	// slack is for a loaded one. Without cancellation the slow run trains for minutes.
	if took > 5*time.Second {
		t.Errorf("Sweep returned %s after the cancellation, want under 1s", took)
	}
	if len(finished) != 1 || finished[0] != "quick" {
		t.Errorf("finished %v, want [quick]", finished)
	}
	if found, err := st.Load(jobs[0].Key(), new(Result)); !found || err != nil {
		t.Errorf("the finished run was not kept: %v, %v", found, err)
	}
}

// TestCheckSweep refuses a sweep over MaxRuns and one whose estimated memory
// exceeds the machine's, with the estimate in the error.
func TestCheckSweep(t *testing.T) {
	t.Parallel()
	jobs := []Job{{Suite: "t", Arm: "a", Seed: 1, Config: tiny(recipe.MethodDPO)}}
	if err := CheckSweep(jobs, 2, 1<<30); err != nil {
		t.Errorf("a tiny sweep on 1 GiB: %v", err)
	}
	err := CheckSweep(jobs, 2, 1<<10)
	if err == nil || !strings.Contains(err.Error(), "estimated") || !strings.Contains(err.Error(), "GiB") {
		t.Errorf("a sweep on 1 KiB of memory: %v, want the estimate", err)
	}
	big := make([]Job, MaxRuns+1)
	for i := range big {
		big[i] = Job{Suite: "t", Arm: "a", Seed: i + 1, Config: tiny(recipe.MethodDPO)}
	}
	err = CheckSweep(big, 2, 0)
	if err == nil || !strings.Contains(err.Error(), "50001 runs") {
		t.Errorf("a sweep of %d runs: %v, want it refused with the count", len(big), err)
	}
}

// TestSweepCancelBetweenRuns cancels the sweep when no run is in flight to see
// it (here, before it starts): Sweep must still report the cancellation rather
// than return outcomes with runs left unstarted.
func TestSweepCancelBetweenRuns(t *testing.T) {
	t.Parallel()
	jobs := []Job{{Suite: "t", Arm: "sft", Seed: 1, Config: tiny(recipe.MethodSFT)}}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	outs, err := New().Sweep(ctx, jobs, SweepOptions{Workers: 1})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Sweep = %d outcomes, %v; want context.Canceled", len(outs), err)
	}
}
