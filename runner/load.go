package runner

import (
	"errors"
	"fmt"

	"gapbench/recipe"
	"gapbench/store"
)

// Stored returns the stored result of a run key when it can be reused: the file
// exists, reads, and holds a result of this Version for this very key. Sweep and
// Load reuse results by this one rule. A corrupt file is returned as an error
// wrapping *store.CorruptError.
func Stored(st *store.Store, key string) (*Result, bool, error) {
	var res Result
	found, err := st.Load(key, &res)
	if err != nil || !found {
		return nil, false, err
	}
	if res.Hash != key || res.Version != Version {
		return nil, false, nil
	}
	return &res, true, nil
}

// Load reads every job's result from the store and computes nothing. Outcomes
// come back in job order, each marked Reused; a job without a reusable result
// (missing, corrupt, or of another Version) has a nil Result and is listed in
// missing, once per distinct run. Only an unreadable store is an error.
func Load(st *store.Store, jobs []Job) (outs []Outcome, missing []Job, err error) {
	outs = make([]Outcome, len(jobs))
	cache := map[string]*Result{}
	for i, j := range jobs {
		k := j.Key()
		res, seen := cache[k]
		if !seen {
			r, ok, err := Stored(st, k)
			var ce *store.CorruptError
			if err != nil && !errors.As(err, &ce) {
				return nil, nil, err
			}
			if ok {
				res = r
			} else {
				missing = append(missing, j)
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
		if _, err := r.data(j.Config, j.Seed); err != nil {
			return &DataError{Job: j, Err: err}
		}
	}
	return nil
}
