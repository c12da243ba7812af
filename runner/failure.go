package runner

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"

	"gapbench/metrics"
	"gapbench/recipe"
	"gapbench/trainer"
)

// Failure is a run that ran but whose numbers cannot be trusted: its loss, its
// parameters or one of its metrics stopped being a finite number. A failed run is
// recorded as such (Outcome.Err) and never saved as a result; the rest of the
// sweep goes on.
type Failure struct {
	Err error // what became non-finite, and where
}

// Error gives the reason.
func (f *Failure) Error() string { return f.Err.Error() }

// Unwrap returns the reason.
func (f *Failure) Unwrap() error { return f.Err }

// asFailure turns a training stage's non-finite error into a *Failure and leaves
// other errors (cancellation, bad input) as they are.
func asFailure(err error) error {
	var nf *trainer.NonFiniteError
	var f *Failure
	if errors.As(err, &nf) && !errors.As(err, &f) {
		return &Failure{Err: err}
	}
	return err
}

// policyMetrics are the metrics of every method that trains or keeps a policy.
var policyMetrics = []string{metrics.WinRate, metrics.GoldReward, metrics.KLRef, metrics.Subopt, metrics.OODMass, metrics.RougeL, metrics.RareMass}

// rmMetricNames are the metrics of a reward model's validation.
var rmMetricNames = []string{metrics.RMLikID, metrics.RMLikOOD, metrics.RMAccID, metrics.RMAccOOD}

// ExpectedMetrics lists the metrics a run of cfg produces, sorted, and whether
// the method is one it knows (for another method it returns nil, false).
func ExpectedMetrics(cfg recipe.Config) ([]string, bool) {
	var m []string
	bon := func(names ...func(int) string) {
		for _, name := range names {
			for _, n := range cfg.Eval.BestOfN {
				m = append(m, name(n))
			}
		}
	}
	trains := cfg.DPO.Epochs > 0
	switch cfg.Protocol.Kind() {
	case recipe.ProtocolTuned:
		trains = true // for at least the grid's first length
		if cfg.Method == recipe.MethodDPO || cfg.Method == recipe.MethodOnline {
			m = append(m, "tuned_epochs", "tuned_score")
		}
	case recipe.ProtocolFrontier:
		trains = cfg.Protocol.Epochs > 0
	}
	switch cfg.Method {
	case recipe.MethodSFT:
		m = append(m, policyMetrics...)
		trains = false
	case recipe.MethodDPO:
		m = append(m, policyMetrics...)
		m = append(m, rmMetricNames...)
		bon(metrics.BestOfNName, metrics.BestOfNDPOName)
	case recipe.MethodOnline:
		m = append(m, policyMetrics...)
		if cfg.Online.Labeller == recipe.LabelRM {
			m = append(m, rmMetricNames...)
			bon(metrics.BestOfNName)
		}
	case recipe.MethodRM:
		m = append(m, rmMetricNames...)
		bon(metrics.BestOfNName, metrics.BestOfNDPOName)
		trains = false
	case recipe.MethodRLHF:
		m = append(m, policyMetrics...)
		m = append(m, "converged", "rlhf_kl", "rlhf_grad_norm", metrics.Evals, "warm_steps")
		trains = true
	case recipe.MethodOracle:
		m = append(m, policyMetrics...)
		trains = false
	default:
		return nil, false
	}
	if trains {
		m = append(m, metrics.Steps, metrics.FinalLoss)
	}
	sort.Strings(m)
	return m, true
}

// CheckResult reports whether a stored result can be reused for cfg: it must
// hold every metric the method produces, each a finite number, and nothing but
// finite numbers in its curves. The error names the first problem.
func CheckResult(res *Result, cfg recipe.Config) error {
	if res.Metrics == nil {
		return errors.New("no metrics")
	}
	if want, known := ExpectedMetrics(cfg); known {
		var missing []string
		for _, k := range want {
			if _, ok := res.Metrics[k]; !ok {
				missing = append(missing, k)
			}
		}
		if len(missing) > 5 {
			missing = append(missing[:5], fmt.Sprintf("and %d more", len(missing)-5))
		}
		if len(missing) > 0 {
			return fmt.Errorf("metrics %s missing", strings.Join(missing, ", "))
		}
	}
	if err := finiteMetrics(res.Metrics); err != nil {
		return err
	}
	for _, k := range sortedKeys(res.Curves) {
		for i, v := range res.Curves[k] {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("curve %s[%d] is %v", k, i, v)
			}
		}
	}
	return nil
}

// finiteMetrics names the first metric that is NaN or infinite.
func finiteMetrics(m map[string]float64) error {
	for _, k := range sortedKeys(m) {
		if v := m[k]; math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("metric %s is %v", k, v)
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// Diverged reports whether a finished run's training loss ended above where it
// started: the mean of its last 8 steps (final_loss) exceeds the mean of its
// first 8. Such a run is finite but did not learn; tables mark it. A slim
// result (Result.Slim) has no loss curve: asking is a programming error.
func Diverged(res *Result) bool {
	if res.Slim {
		panic("runner: Diverged on a slim result, which has no loss curve to judge by")
	}
	loss := res.Curves[metrics.CurveLoss]
	if len(loss) < 2 {
		return false
	}
	k := min(len(loss), 8)
	first, last := 0.0, 0.0
	for i := range k {
		first += loss[i]
		last += loss[len(loss)-k+i]
	}
	return last > first
}
