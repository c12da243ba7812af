package runner

import (
	"context"
	"errors"
	"fmt"

	"gapbench/recipe"
	"gapbench/store"
)

// Unusable says why a job's stored result cannot be reused: none is stored,
// it is of another Version, or its file is damaged (corrupt, incomplete, or
// holding another run).
type Unusable struct {
	Job     Job
	Err     error
	Damaged bool // the file exists but is corrupt or incomplete: recomputed with a warning
}

// Error is "suite/arm/seed=N: why".
func (u *Unusable) Error() string { return u.Job.Name() + ": " + u.Err.Error() }

// Unwrap returns why (a *store.CorruptError for a corrupt file).
func (u *Unusable) Unwrap() error { return u.Err }

// Stored returns a job's stored result when it can be reused: its file exists,
// reads, and holds a complete result (CheckResult) of this Version for this
// very key, with the per-step loss curve unless the job is Slim. Otherwise the
// error is an *Unusable saying why, or the store's own error when it cannot be
// read at all. Sweep and Load reuse results by this one rule.
func Stored(st *store.Store, j Job) (*Result, error) {
	key := j.Key()
	var res Result
	found, err := st.Load(key, &res)
	var ce *store.CorruptError
	switch {
	case errors.As(err, &ce):
		return nil, &Unusable{Job: j, Err: err, Damaged: true}
	case err != nil:
		return nil, err
	case !found:
		return nil, &Unusable{Job: j, Err: fmt.Errorf("not run (no file %s)", st.Path(key))}
	case res.Version != Version:
		return nil, &Unusable{Job: j, Err: fmt.Errorf("%s holds version %s, want %s", st.Path(key), res.Version, Version)}
	case res.Hash != key:
		return nil, &Unusable{Job: j, Err: fmt.Errorf("%s holds the result of another run (%s)", st.Path(key), res.Hash), Damaged: true}
	case res.Slim && !j.Slim:
		return nil, &Unusable{Job: j, Err: fmt.Errorf("%s holds a slim result (a robustness grid's, without the per-step loss curve), and this run needs the curve", st.Path(key))}
	}
	if err := CheckResult(&res, j.Config); err != nil {
		return nil, &Unusable{Job: j, Err: fmt.Errorf("incomplete result file %s: %w", st.Path(key), err), Damaged: true}
	}
	return &res, nil
}

// Load reads every job's result from the store and computes nothing. Outcomes
// come back in job order, each marked Reused; a job without a reusable result
// has a nil Result and is listed in missing, once per distinct run, saying why
// (an unreadable file is missing too, with the store's error).
func Load(st *store.Store, jobs []Job) (outs []Outcome, missing []*Unusable, err error) {
	outs = make([]Outcome, len(jobs))
	type slimKey struct {
		key  string
		slim bool
	}
	cache := map[slimKey]*Result{}
	listed := map[string]bool{} // keys already in missing
	for i, j := range jobs {
		k := slimKey{j.Key(), j.Slim}
		res, seen := cache[k]
		if !seen {
			r, err := Stored(st, j)
			var u *Unusable
			switch {
			case err == nil:
				res = r
			case listed[k.key]:
			case errors.As(err, &u):
				missing = append(missing, u)
				listed[k.key] = true
			default:
				missing = append(missing, &Unusable{Job: j, Err: err, Damaged: true})
				listed[k.key] = true
			}
			cache[k] = res
		}
		outs[i] = Outcome{Job: j, Result: res, Reused: res != nil}
	}
	return outs, missing, nil
}

// DataError is bad preference data that a job names: a pairs file that is
// missing, changed since its hash was taken, or does not fit the job's world.
type DataError struct {
	Job Job
	Err error
}

func (e *DataError) Error() string {
	return fmt.Sprintf("suite %s, arm %q, world of seed %d: %v", e.Job.Suite, e.Job.Arm, e.Job.Seed, e.Err)
}

func (e *DataError) Unwrap() error { return e.Err }

// CheckData validates, before anything runs, the preference data of every job
// that reads pairs from a file (data.source = file): the file exists, still has
// the content its data.file_hash names, and every pair fits the world of the
// job's seed and settings. It reads each (file, world) once, through the same
// code a run uses, and returns the first problem as a *DataError.
func CheckData(jobs []Job) error {
	r := New()
	for _, j := range jobs {
		if j.Config.Data.Source != recipe.DataFile {
			continue
		}
		if _, err := r.data(context.Background(), j.Config, j.Seed); err != nil {
			return &DataError{Job: j, Err: err}
		}
	}
	return nil
}
