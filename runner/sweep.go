package runner

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"

	"golang.org/x/sync/errgroup"

	"gapbench/recipe"
	"gapbench/store"
)

// Job is one run of a sweep: a labelled (config, seed).
type Job struct {
	Suite  string
	Arm    string
	Seed   int
	Config recipe.Config
	// Protocol is the protocol the job is evaluated under ("" means its
	// config's). A config carries a protocol only where it changes the run
	// (recipe.Config.ProtocolMatters), so a run the protocol leaves alone (the
	// SFT checkpoint, an oracle) is shared by the protocols, like any run two
	// suites share.
	Protocol string
	// Slim says that whatever reads the job's result needs no per-step loss
	// curve (a robustness grid's claims read metrics and probes only). A slim
	// job is served by a slim or a full stored result, and the result a sweep
	// computes for it is saved slim (Result.Slim) unless another job of the
	// same run needs the curve. Slim is not part of the key.
	Slim bool
}

// ProtocolName is the protocol the job is evaluated under.
func (j Job) ProtocolName() string {
	if j.Protocol != "" {
		return j.Protocol
	}
	return j.Config.Protocol.Kind()
}

// Key is the job's result key.
func (j Job) Key() string { return Key(j.Config, j.Seed) }

// Name is a short human-readable label, suite/arm/seed=N, prefixed by the
// protocol when it is not the recipe (tuned:suite/arm/seed=N).
func (j Job) Name() string {
	if p := j.ProtocolName(); p != recipe.ProtocolRecipe {
		return fmt.Sprintf("%s:%s/%s/seed=%d", p, j.Suite, j.Arm, j.Seed)
	}
	return fmt.Sprintf("%s/%s/seed=%d", j.Suite, j.Arm, j.Seed)
}

// Outcome is a finished job.
type Outcome struct {
	Job    Job
	Result *Result // nil when the run failed
	Reused bool    // loaded from the store rather than computed
	// Err is why the run failed (a *Failure: its loss, parameters or metrics
	// became non-finite); the run was not saved.
	Err error
}

// Failed returns the outcomes of runs that failed, in order.
func Failed(outs []Outcome) []Outcome {
	var f []Outcome
	for _, o := range outs {
		if o.Err != nil {
			f = append(f, o)
		}
	}
	return f
}

// SweepOptions control a sweep.
type SweepOptions struct {
	Workers int          // concurrent runs; <= 0 means GOMAXPROCS
	Store   *store.Store // where results are loaded from and saved to; nil keeps them in memory
	// OnDone is called (from one goroutine at a time) as each distinct run finishes.
	OnDone func(o Outcome)
	// OnCorrupt is called when a stored result is unreadable or incomplete
	// (CheckResult) and will be recomputed; err names the file.
	OnCorrupt func(j Job, err error)
}

// Sweep runs every job, each distinct (config, seed) once, and returns the
// outcomes in job order, so output does not depend on the number of workers or on
// which finished first. Finished results in the store are reused; corrupt or
// incomplete ones are reported and recomputed. A run that fails (a *Failure) is
// recorded in its Outcome's Err and the sweep goes on. On any other error, or when
// ctx is cancelled, in-flight runs stop at their next training step and Sweep
// returns the error; the results already saved stay in the store.
func (r *Runner) Sweep(ctx context.Context, jobs []Job, opt SweepOptions) ([]Outcome, error) {
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	// One task per distinct key, in first-appearance order; slim only when
	// every job of the key is.
	var keys []string
	first := map[string]Job{}
	for _, j := range jobs {
		k := j.Key()
		f, ok := first[k]
		if !ok {
			f = j
			keys = append(keys, k)
		}
		f.Slim = f.Slim && j.Slim
		first[k] = f
	}
	results := make(map[string]*Outcome, len(keys))
	for _, k := range keys {
		results[k] = &Outcome{Job: first[k]}
	}
	// Runs go seed by seed and, within a seed, world by world (each world's
	// runs together, worlds in order of first appearance), and the worlds,
	// checkpoints and reward models memoised for a seed and world are released
	// when the last run that uses them finishes, so memory holds a few worlds
	// per worker rather than the whole study. Keeping a world's runs together
	// matters when jobs come point by point (a robustness grid): the default
	// world recurs at every point whose dial leaves the world alone, and in
	// plan order its artifacts for every such point stayed alive until the
	// seed's last point. The order never changes a result.
	groupOf := make(map[string]string, len(keys))
	groupRank := map[string]int{}
	for _, k := range keys {
		g := group(first[k].Config, first[k].Seed)
		groupOf[k] = g
		if groupRank[g] == 0 {
			groupRank[g] = len(groupRank) + 1
		}
	}
	slices.SortStableFunc(keys, func(a, b string) int {
		if c := cmp.Compare(first[a].Seed, first[b].Seed); c != 0 {
			return c
		}
		return cmp.Compare(groupRank[groupOf[a]], groupRank[groupOf[b]])
	})
	pending := map[string]int{}
	for _, k := range keys {
		pending[groupOf[k]]++
	}
	var pendingMu sync.Mutex
	finished := func(j Job) {
		g := group(j.Config, j.Seed)
		pendingMu.Lock()
		pending[g]--
		last := pending[g] == 0
		pendingMu.Unlock()
		if last {
			r.release(g)
		}
	}
	done := make(chan *Outcome)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(workers)
	feeder := make(chan error, 1)
	go func() {
		defer close(feeder)
		for _, k := range keys {
			o := results[k]
			if gctx.Err() != nil {
				break
			}
			g.Go(func() error {
				if err := gctx.Err(); err != nil {
					return err
				}
				if err := r.runOne(gctx, o, opt); err != nil {
					var f *Failure
					if !errors.As(err, &f) {
						return fmt.Errorf("%s: %w", o.Job.Name(), err)
					}
					o.Err = err
				}
				finished(o.Job)
				// Always reported, even after cancellation, so that "N of M runs
				// finished" counts every saved run; the loop below reads done
				// until every task has returned.
				done <- o
				return nil
			})
		}
		feeder <- g.Wait()
	}()
	var err error
	for running := true; running; {
		select {
		case o := <-done:
			if opt.OnDone != nil {
				opt.OnDone(*o)
			}
		case err = <-feeder:
			running = false
		}
	}
	if err == nil {
		// Cancelled between runs: no task saw it, but runs were left unstarted.
		err = ctx.Err()
	}
	if err != nil {
		return nil, err
	}
	out := make([]Outcome, len(jobs))
	for i, j := range jobs {
		o := *results[j.Key()]
		o.Job = j
		out[i] = o
	}
	return out, nil
}

func (r *Runner) runOne(ctx context.Context, o *Outcome, opt SweepOptions) error {
	key := o.Job.Key()
	if opt.Store != nil {
		res, err := Stored(opt.Store, o.Job)
		var u *Unusable
		switch {
		case err == nil:
			o.Result, o.Reused = res, true
			return nil
		case !errors.As(err, &u):
			return err
		case u.Damaged && opt.OnCorrupt != nil:
			opt.OnCorrupt(o.Job, u.Err)
		}
	}
	res, err := r.Run(ctx, o.Job.Config, o.Job.Seed)
	if err != nil {
		return err
	}
	if o.Job.Slim {
		res.slim()
	}
	if opt.Store != nil {
		if err := opt.Store.Save(key, res); err != nil {
			return err
		}
	}
	o.Result = res
	return nil
}
