// Package shard splits a sweep into n deterministic slices so that a Slurm job
// array or a Kubernetes Indexed Job can spread it over many machines.
//
// A sweep's runs are listed in one deterministic, sorted order (the same on
// every machine); shard i of n takes the runs at positions p with p mod n = i.
// Round-robin, rather than contiguous blocks, gives every shard a mix of arms
// and seeds, so shards finish at about the same time. The zero Shard, like
// "0/1", is the whole sweep.
//
// The --shard flag takes "i/n", or "auto/n" to read the index from the
// scheduler's environment:
//
//	SLURM_ARRAY_TASK_ID    Slurm job arrays (submit with a 0-based --array=0-<n-1>)
//	JOB_COMPLETION_INDEX   Kubernetes Indexed Jobs (completions: n)
//
// The count n is always given explicitly: a scheduler's idea of the array
// size changes when failed tasks are resubmitted on their own, and a wrong n
// silently skips or duplicates runs.
//
// Because results are keyed by config hash, shards never write the same file
// and merging them is copying their result files into one directory.
package shard

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// indexEnv lists the environment variables that "auto/n" reads the shard
// index from, in order of precedence.
var indexEnv = []string{"SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX"}

// Shard is one slice of a sweep: the runs at positions p with p mod N = Index.
// N ≤ 1 (including the zero Shard) means the whole sweep.
type Shard struct {
	Index int // this slice, in [0, N)
	N     int // the number of slices
}

// Parse parses a --shard value, "i/n" or "auto/n"; for "auto" it reads the
// index from the process environment (see the package doc). An empty value
// is the whole sweep.
func Parse(s string) (Shard, error) {
	return ParseEnv(s, os.Getenv)
}

// ParseEnv is Parse with the environment read through getenv.
func ParseEnv(s string, getenv func(string) string) (Shard, error) {
	if s == "" {
		return Shard{Index: 0, N: 1}, nil
	}
	bad := func(format string, args ...any) (Shard, error) {
		return Shard{}, fmt.Errorf("--shard %q: %s", s, fmt.Sprintf(format, args...))
	}
	index, count, ok := strings.Cut(s, "/")
	if !ok {
		return bad("want i/n or auto/n, e.g. 0/4")
	}
	n, err := strconv.Atoi(count)
	if err != nil {
		return bad("count %q is not an integer", count)
	}
	if n < 1 {
		return bad("count must be ≥ 1, got %d", n)
	}
	if index == "auto" {
		sh, err := FromEnv(getenv, n)
		if err != nil {
			return bad("%v", err)
		}
		return sh, nil
	}
	if index == "" {
		return bad("missing index (is the scheduler's index variable set?)")
	}
	i, err := strconv.Atoi(index)
	if err != nil {
		return bad("index %q is not an integer", index)
	}
	if i < 0 || i >= n {
		return bad("index must be in [0, %d), got %d", n, i)
	}
	return Shard{Index: i, N: n}, nil
}

// FromEnv returns shard i of n, with i read through getenv from the first
// of SLURM_ARRAY_TASK_ID and JOB_COMPLETION_INDEX that is set. It is an error
// if neither is set or the index is not in [0, n).
func FromEnv(getenv func(string) string, n int) (Shard, error) {
	if n < 1 {
		return Shard{}, fmt.Errorf("shard count must be ≥ 1, got %d", n)
	}
	for _, name := range indexEnv {
		v := getenv(name)
		if v == "" {
			continue
		}
		i, err := strconv.Atoi(v)
		if err != nil {
			return Shard{}, fmt.Errorf("%s=%q is not an integer", name, v)
		}
		if i < 0 || i >= n {
			return Shard{}, fmt.Errorf("%s=%d is not in [0, %d) (shard indexes are 0-based: use --array=0-%d)", name, i, n, n-1)
		}
		return Shard{Index: i, N: n}, nil
	}
	return Shard{}, fmt.Errorf("auto needs one of %s set", strings.Join(indexEnv, ", "))
}

// Whole reports whether s is the whole sweep.
func (s Shard) Whole() bool { return s.N <= 1 }

// Select reports whether the run at position pos of the sweep's sorted run
// list belongs to s. It panics if pos is negative or s.Index is not in
// [0, s.N): both are programming errors, since Parse never returns such a Shard.
func (s Shard) Select(pos int) bool {
	if pos < 0 {
		panic(fmt.Sprintf("shard: negative position %d", pos))
	}
	if s.Whole() {
		return true
	}
	if s.Index < 0 || s.Index >= s.N {
		panic(fmt.Sprintf("shard: index %d not in [0, %d)", s.Index, s.N))
	}
	return pos%s.N == s.Index
}

// String returns s in the form --shard accepts, "i/n".
func (s Shard) String() string {
	if s.Whole() {
		return "0/1"
	}
	return fmt.Sprintf("%d/%d", s.Index, s.N)
}

// Filter returns the elements of runs, a sweep's runs in their deterministic
// order, that belong to s, in the same order. For the whole sweep it returns
// runs itself.
func Filter[T any](s Shard, runs []T) []T {
	if s.Whole() {
		return runs
	}
	out := make([]T, 0, len(runs)/s.N+1)
	for i, r := range runs {
		if s.Select(i) {
			out = append(out, r)
		}
	}
	return out
}
