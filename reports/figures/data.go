package figures

import (
	"fmt"
	"math"

	"gapbench/hypotheses"
	"gapbench/recipe"
	"gapbench/stats"
)

// data reads a study's per-seed values and their intervals, caching each arm's
// values and each summary so that figures sharing an arm compute it once.
type data struct {
	st   *hypotheses.Study
	opt  stats.Options
	vals map[string]map[string][]float64 // "suite/arm" → metric → per-seed values
	sums map[string]estimate             // "suite/arm/metric" → summary
	crvs map[string]curveData            // "suite/arm/metric" → training curve
}

// curveData is one arm's training curve: probed steps and their estimates.
type curveData struct {
	steps []float64
	es    []estimate
}

func newData(st *hypotheses.Study, opt stats.Options) *data {
	return &data{st: st, opt: opt, vals: map[string]map[string][]float64{}, sums: map[string]estimate{}, crvs: map[string]curveData{}}
}

// estimate is a mean with its 95% interval and the number of seeds behind it.
type estimate struct {
	Mean float64
	CI   stats.Interval
	N    int
}

// errs returns the distances from the mean down to the interval's low end and
// up to its high end, for error bars. An unbounded interval (one seed) draws
// no bar.
func (e estimate) errs() (lo, hi float64) {
	if !e.CI.Finite() {
		return 0, 0
	}
	return math.Max(0, e.Mean-e.CI.Lo), math.Max(0, e.CI.Hi-e.Mean)
}

// values returns one arm's per-seed values of a metric, in seed order (nil if
// the arm has none).
func (d *data) values(s *hypotheses.Suite, arm, metric string) []float64 {
	k := s.Name + "/" + arm
	m, ok := d.vals[k]
	if !ok {
		m = d.st.ArmValues(s, arm)
		d.vals[k] = m
	}
	return m[metric]
}

// summary returns the mean and interval of one arm's metric; ok is false when
// the arm has no values of that metric.
func (d *data) summary(s *hypotheses.Suite, arm, metric string) (e estimate, ok bool, err error) {
	k := s.Name + "/" + arm + "/" + metric
	if e, ok := d.sums[k]; ok {
		return e, true, nil
	}
	x := d.values(s, arm, metric)
	if len(x) == 0 {
		return estimate{}, false, nil
	}
	sm, err := stats.Summarize(x, d.opt)
	if err != nil {
		return estimate{}, false, fmt.Errorf("%s/%s %s: %w", s.Name, arm, metric, err)
	}
	e = estimate{Mean: sm.Mean, CI: sm.CI, N: sm.N}
	d.sums[k] = e
	return e, true, nil
}

// summarize is the mean of x with its 95% interval (stats.Summarize).
func (d *data) summarize(x []float64) (estimate, error) {
	sm, err := stats.Summarize(x, d.opt)
	if err != nil {
		return estimate{}, err
	}
	return estimate{Mean: sm.Mean, CI: sm.CI, N: sm.N}, nil
}

// gap returns the mean and paired interval of a − b on a metric, paired by
// seed; ok is false when either arm has no values.
func (d *data) gap(s *hypotheses.Suite, a, b, metric string) (e estimate, ok bool, err error) {
	xa, xb := d.values(s, a, metric), d.values(s, b, metric)
	if len(xa) == 0 || len(xb) == 0 {
		return estimate{}, false, nil
	}
	p, err := stats.ComparePaired(xa, xb, d.opt)
	if err != nil {
		return estimate{}, false, fmt.Errorf("%s: %s − %s %s: %w", s.Name, a, b, metric, err)
	}
	return estimate{Mean: p.Mean, CI: p.CI, N: p.N}, true, nil
}

// method returns the training method of an arm (sft, dpo, online or rm): from
// its resolved configuration, or from its name if it does not resolve.
func (d *data) method(s *hypotheses.Suite, arm string) string {
	if a, ok := s.Arm(arm); ok {
		if base, err := s.Base(d.st.Budget); err == nil {
			if c, err := a.Resolve(base); err == nil && c.Method != "" {
				return c.Method
			}
		}
	}
	switch {
	case arm == "sft":
		return recipe.MethodSFT
	case len(arm) >= 6 && arm[:6] == "online", arm == "prompt-aug":
		return recipe.MethodOnline
	case len(arm) >= 3 && arm[:3] == "rm-":
		return recipe.MethodRM
	}
	return recipe.MethodDPO
}

// seeds describes the number of seeds behind a set of estimates: "20 seeds",
// or "3–5 seeds" when arms differ.
func seeds(es ...estimate) string {
	lo, hi := math.MaxInt, 0
	for _, e := range es {
		lo, hi = min(lo, e.N), max(hi, e.N)
	}
	switch {
	case hi == 0:
		return "no seeds"
	case lo == hi && lo == 1:
		return "1 seed"
	case lo == hi:
		return fmt.Sprintf("%d seeds", lo)
	}
	return fmt.Sprintf("%d–%d seeds", lo, hi)
}
