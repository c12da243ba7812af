package reports

import (
	"fmt"
	"io"
	"sort"

	"gapbench/hypotheses"
	"gapbench/metrics"
)

// WriteCurves writes every run's training curves as long CSV, header
// suite,arm,seed,step,metric,value: the loss at each optimiser step (steps from
// 1) and the win-rate and KL probes at their steps (step 0 is the start
// policy). Rows come in suite, arm, seed, metric and step order, values in the
// shortest form that round-trips, so the file is byte-identical across reruns.
// Runs without curves (SFT, reward models) write no rows, and a stored series
// that is neither the loss nor one value per probe step is left out.
func WriteCurves(w io.Writer, st *hypotheses.Study) error {
	if _, err := fmt.Fprintln(w, "suite,arm,seed,step,metric,value"); err != nil {
		return err
	}
	for _, s := range st.Suites {
		for _, a := range s.Arms {
			for _, o := range st.Outcomes {
				if o.Job.Suite != s.Name || o.Job.Arm != a.Name || o.Result == nil {
					continue
				}
				c := o.Result.Curves
				names := make([]string, 0, len(c))
				for m := range c {
					if m != metrics.ProbeStep {
						names = append(names, m)
					}
				}
				sort.Strings(names)
				probes := c[metrics.ProbeStep]
				for _, m := range names {
					if m != metrics.CurveLoss && len(c[m]) != len(probes) {
						continue // not a series over training steps
					}
					for i, v := range c[m] {
						step := float64(i + 1)
						if m != metrics.CurveLoss {
							step = probes[i]
						}
						if _, err := fmt.Fprintf(w, "%s,%s,%d,%s,%s,%s\n", csvField(s.Name), csvField(a.Name), o.Job.Seed,
							formatFloat(step), m, formatFloat(v)); err != nil {
							return err
						}
					}
				}
			}
		}
	}
	return nil
}
