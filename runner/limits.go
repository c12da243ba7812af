package runner

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"

	"gapbench/recipe"
)

// MaxRuns is the largest number of distinct runs a sweep may hold. The full study
// is 1,220 runs (about 3 minutes on 2 cores); 50,000 is a few hours, and beyond it
// a typo such as --seeds 100000 is more likely than intent.
const MaxRuns = 50000

// Estimate is a sweep's size, computed before it runs.
type Estimate struct {
	Runs  int    // distinct runs
	Bytes uint64 // estimated peak memory
}

// String describes the estimate, e.g. "1220 runs, about 1.2 GiB".
func (e Estimate) String() string {
	return fmt.Sprintf("%d runs, about %s", e.Runs, gib(e.Bytes))
}

func gib(b uint64) string { return fmt.Sprintf("%.1f GiB", float64(b)/(1<<30)) }

// EstimateSweep estimates the distinct runs and peak memory of a sweep with the
// given number of workers. Memory counts what the Runner keeps for the whole
// sweep (every seed's world and the shared checkpoints) and, per worker, the
// largest run's working set; it is an upper estimate within a small factor.
func EstimateSweep(jobs []Job, workers int) Estimate {
	seen := map[string]bool{}
	worlds := map[string]bool{}
	var e Estimate
	var largest uint64
	for _, j := range jobs {
		k := j.Key()
		if seen[k] {
			continue
		}
		seen[k] = true
		e.Runs++
		c := j.Config
		wk := fmt.Sprintf("%d/%+v", j.Seed, c.World)
		if !worlds[wk] {
			worlds[wk] = true
			e.Bytes += worldBytes(c)
		}
		run := runBytes(c)
		e.Bytes += modelBytes(c) // the checkpoints memoised for it
		largest = max(largest, run)
	}
	e.Bytes += uint64(max(min(workers, e.Runs), 1)) * largest
	return e
}

// worldBytes is the memory of one generated world: the gold-reward and win-rate
// tables, the teacher networks, demonstrations and pairs.
func worldBytes(c recipe.Config) uint64 {
	w := c.World
	size := pow(w.V, w.H)
	prompts := uint64(w.TrainPrompts + w.ValPrompts + w.AugPrompts)
	b := 8 * (prompts + uint64(w.ValPrompts)) * size
	b += 2 * 8 * uint64(w.TeacherWidth) * uint64(w.PromptVocab+w.H*w.V+w.H+w.V+1)
	b += 8 * uint64(w.H) * (uint64(w.TrainPrompts)*uint64(w.Demos) + 2*uint64(w.Pairs)*uint64(c.RM.DataMult+1))
	b += prompts * uint64(w.PromptLen+w.PromptVocab) * 16
	return b
}

// modelBytes is the memory of one set of memoised checkpoints (SFT, reward model,
// DPO policy) of the run's widths.
func modelBytes(c recipe.Config) uint64 {
	w := c.World
	per := uint64(w.PromptVocab + w.H*w.V + w.H + w.V + 1)
	b := 8 * per * uint64(c.Policy.Width+c.RMWidth())
	if c.Policy.Class == recipe.ClassTrie {
		b += 8 * uint64(w.TrainPrompts+w.ValPrompts+w.AugPrompts) * pow(w.V, w.H) * 2
	}
	return 2 * b
}

// runBytes is one run's working set: its models with their gradients and Adam
// moments, the evaluator's per-prompt tables and the training batches.
func runBytes(c recipe.Config) uint64 {
	w := c.World
	size := pow(w.V, w.H)
	b := 4 * modelBytes(c)
	b += 8 * 6 * uint64(w.TrainPrompts+w.ValPrompts+w.AugPrompts) * size // enumerations and scorer tables
	slots := uint64(w.Pairs) * uint64(c.RM.DataMult)
	b += 64 * uint64(w.H) * slots * uint64(c.Online.K+c.DPO.KLSamples)
	return b
}

func pow(v, h int) uint64 {
	n := uint64(1)
	for range h {
		n *= uint64(v)
	}
	return n
}

// CheckSweep refuses a sweep that is too large to start: more than MaxRuns
// distinct runs, or an estimated peak memory above memory bytes (0: unknown, not
// checked). The error gives the estimate.
func CheckSweep(jobs []Job, workers int, memory uint64) error {
	e := EstimateSweep(jobs, workers)
	if e.Runs > MaxRuns {
		return fmt.Errorf("the sweep has %s: more than the %d runs a sweep may hold (runner.MaxRuns); use fewer --seeds, or --shard to split it", e, MaxRuns)
	}
	if memory > 0 && e.Bytes > memory {
		return fmt.Errorf("the sweep needs an estimated %s of memory, more than this machine's %s; use fewer --seeds or --workers, or smaller world and model sizes", gib(e.Bytes), gib(memory))
	}
	return nil
}

// MachineMemory returns the machine's physical memory in bytes as Linux reports
// it in /proc/meminfo, or 0 where that is not known.
func MachineMemory() uint64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "MemTotal:" {
			kb, err := strconv.ParseUint(fields[1], 10, 64)
			if err != nil {
				return 0
			}
			return kb << 10
		}
	}
	return 0
}
