// Package hypotheses puts the paper's explanations of the online–offline gap to
// the test. Each Suite names its hypothesis, its arms (registered in package
// arms), suite-wide settings, and its claims: comparisons of two arms on one
// metric, paired by seed, each with the outcome the hypothesis predicts and, for
// equivalence claims and for the "negligible effect" side of superiority claims,
// a margin fixed here in the code before any run.
//
// A suite's verdict follows from its deciding claims by one rule:
//
//   - the hypothesis survives when every deciding claim is supported;
//   - it is rejected when any deciding claim is refuted;
//   - otherwise it is inconclusive.
//
// Claims that do not decide are context (e.g. "the oracle labeller helps") and are
// reported beside the deciding ones. Claim verdicts come from package stats, with
// Holm's correction across the deciding claims of every suite in a report (the
// confirmatory family); context claims form a second, exploratory Holm family.
//
// `go test ./hypotheses/...` runs every suite at the smoke budget and compares the
// claims tables with golden files; `-budget quick` runs bigger. A test never fails
// because a verdict differs from the paper's.
package hypotheses

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"gapbench/arms"
	"gapbench/metrics"
	"gapbench/recipe"
	"gapbench/runner"
	"gapbench/stats"
)

// Verdict is what a suite concludes about its hypothesis.
type Verdict string

// Suite verdicts.
const (
	Survives     Verdict = "survives"
	Rejected     Verdict = "rejected"
	Inconclusive Verdict = "inconclusive"
)

// Claim is a stats claim with its role in the suite's verdict.
type Claim struct {
	stats.Claim
	Decides bool // counts toward the suite's verdict
	// Protocols are the protocols the claim is evaluated under (recipe, tuned,
	// frontier); none means recipe only. The suite says which make sense.
	Protocols []string
}

// Derived is a series computed per seed from two arms, A − B on the claim's
// metric, so that a claim can compare gaps (e.g. the online − offline gap at H = 4
// against the one at H = 1).
type Derived struct {
	Name string
	A, B string
}

// Suite is one hypothesis put to the test.
type Suite struct {
	Name       string      // short name: gap, H1 … H6
	Title      string      // the hypothesis in a few words
	Hypothesis string      // the hypothesis in one sentence
	Prediction string      // what it predicts in our world
	Paper      string      // the paper's verdict
	Settings   recipe.Diff // suite-wide changes, the same for every arm
	Arms       []arms.Arm  // arms run for every seed
	Derived    []Derived   // gap series for claims
	Claims     []Claim
	Metrics    []string // metrics shown in the suite's arms table
	// Oracles are arms shown as rows of the suite's tables under every protocol
	// but compared in no claim: what the arms are aiming at.
	Oracles []string
	// AllArmsUnder lists protocols other than recipe under which every arm runs,
	// not only those its claims compare (a curve, such as the data-size suite's),
	// at a budget with Curves set.
	AllArmsUnder []string
	// Baseline is the arm the arms table compares every arm with (paired Δ win
	// rate) and an added arm's claim compares against by default; "" means
	// DefaultBaseline when the suite runs it.
	Baseline string
	// CurveArms are the arms drawn in the suite's training-curve figure; empty
	// means every arm that trains a policy.
	CurveArms []string
	// Headline, when set, puts the suite's arms into the report's headline
	// table beside the paper's numbers.
	Headline *Headline
	// Figures names the report's figures drawn from the suite's results (package
	// reports/figures draws them), shown where the report discusses the suite.
	Figures []string
	// Frontier puts the suite's policy arms on the gold-reward-versus-√KL figure.
	Frontier bool
	// GapMap adds the horizon × reward table of online − offline gaps (the
	// suite runs the GridArm cells) to the suite's section of the report.
	GapMap bool
}

// Headline is a suite's part of the report's headline: its arms in the
// paper's table, with the paper's numbers beside ours.
type Headline struct {
	PaperColumns []string // headers of the paper's columns, e.g. "paper 1.4B"
	Arms         []HeadlineArm
	Note         string // how to compare the paper's numbers with ours
}

// HeadlineArm is one row of the headline table.
type HeadlineArm struct {
	Arm   string   // the suite's arm
	Label string   // its name in the paper's table, e.g. "Online DPO (SFT)"
	Short string   // its label under its bar in the headline figure ("\n" breaks a line)
	Paper []string // the paper's numbers, one per PaperColumns ("–" where it has none)
}

// DefaultBaseline is the comparison arm of a suite that declares none: offline DPO.
const DefaultBaseline = "dpo"

// BaselineArm returns the suite's comparison arm, or "" when it runs none.
func (s *Suite) BaselineArm() string {
	b := s.Baseline
	if b == "" {
		b = DefaultBaseline
	}
	if _, ok := s.Arm(b); !ok {
		return ""
	}
	return b
}

// Budget is how big a run is: how many seeds, and changes to the world and the
// training that apply to every arm alike.
type Budget struct {
	Name  string
	Seeds int
	Doc   string
	Diff  recipe.Diff
	// Curves runs, under the protocols a suite lists in AllArmsUnder, the arms
	// that only its figures need (the data suite's sizes between the three its
	// claims compare). Without it those protocols run just the arms the claims
	// compare and the oracle rows, as every other protocol does: the verdicts
	// are the same, the curves have fewer points.
	Curves bool
}

// Budgets by name. smoke runs inside `go test`; quick is the default study, at
// the seed count the headline gap at the paper's recipe needs to be decided (20);
// full is the report of record: quick plus the data suite's whole curve.
var Budgets = map[string]Budget{
	"smoke": {Name: "smoke", Seeds: 3, Doc: "a shrunken world for tests: 16 prompts, 64 pairs, width 16, batches of 8, exact RLHF capped at a 20-step warm start and 60 steps (seconds)",
		Diff: recipe.Diff{"world.train_prompts": 16, "world.val_prompts": 16, "world.aug_prompts": 21,
			"world.pairs": 64, "world.demos": 8, "world.teacher_width": 32, "policy.width": 16,
			"sft.batch": 16, "rm.batch": 8, "dpo.batch": 8, "rlhf.max_steps": 60, "rlhf.warm_steps": 20},
		Curves: true},
	"quick": {Name: "quick", Seeds: 20, Doc: "the default world, 20 seeds (what the headline gap needs to be decided); the data suite runs only the sizes its claims compare"},
	"full":  {Name: "full", Seeds: 20, Doc: "the default world, 20 seeds and every size of the data suite's curve: the report of record", Curves: true},
}

// BudgetNames lists the budgets in increasing size.
var BudgetNames = []string{"smoke", "quick", "full"}

// GetBudget returns the named budget.
func GetBudget(name string) (Budget, error) {
	b, ok := Budgets[name]
	if !ok {
		return Budget{}, fmt.Errorf("--budget must be one of %s, got %q", strings.Join(BudgetNames, ", "), name)
	}
	return b, nil
}

// Base is the configuration every arm of the suite starts from under a budget:
// the default, then the budget's diff, then the suite's settings.
func (s *Suite) Base(b Budget) (recipe.Config, error) {
	c, err := recipe.Default().Apply(b.Diff)
	if err != nil {
		return c, fmt.Errorf("budget %s: %w", b.Name, err)
	}
	c, err = c.Apply(s.Settings)
	if err != nil {
		return c, fmt.Errorf("suite %s: %w", s.Name, err)
	}
	return c, nil
}

// Arm returns the suite's arm by name.
func (s *Suite) Arm(name string) (arms.Arm, bool) {
	for _, a := range s.Arms {
		if a.Name == name {
			return a, true
		}
	}
	return arms.Arm{}, false
}

// Jobs lists the runs of the suite: every arm for seeds 1..seeds.
func (s *Suite) Jobs(b Budget, seeds int) ([]runner.Job, error) {
	base, err := s.Base(b)
	if err != nil {
		return nil, err
	}
	var jobs []runner.Job
	for _, a := range s.Arms {
		c, err := a.Resolve(base)
		if err != nil {
			return nil, fmt.Errorf("suite %s: %w", s.Name, err)
		}
		for seed := 1; seed <= seeds; seed++ {
			jobs = append(jobs, runner.Job{Suite: s.Name, Arm: a.Name, Seed: seed, Config: c})
		}
	}
	return jobs, nil
}

// CheckApples verifies that the two arms of every claim (and of every derived
// series) differ, once resolved, only in fields that their diffs name: same data,
// SFT checkpoint, optimiser and budget otherwise.
func (s *Suite) CheckApples(b Budget) error {
	base, err := s.Base(b)
	if err != nil {
		return err
	}
	check := func(what, an, bn string) error {
		a, okA := s.Arm(an)
		bb, okB := s.Arm(bn)
		if !okA || !okB {
			return fmt.Errorf("suite %s: %s compares %q and %q, but the suite does not run both", s.Name, what, an, bn)
		}
		ca, err := a.Resolve(base)
		if err != nil {
			return err
		}
		cb, err := bb.Resolve(base)
		if err != nil {
			return err
		}
		named := map[string]bool{}
		for k := range a.Diff {
			named[k] = true
		}
		for k := range bb.Diff {
			named[k] = true
		}
		for _, p := range recipe.DiffPaths(ca, cb) {
			if !named[p] {
				return fmt.Errorf("suite %s: %s: arms %q and %q differ in %q, which neither diff names", s.Name, what, an, bn, p)
			}
		}
		return nil
	}
	derived := map[string]Derived{}
	for _, d := range s.Derived {
		derived[d.Name] = d
		if err := check("derived "+d.Name, d.A, d.B); err != nil {
			return err
		}
	}
	for _, c := range s.Claims {
		_, dA := derived[c.A]
		_, dB := derived[c.B]
		if dA != dB {
			return fmt.Errorf("suite %s: claim %s compares a derived series with an arm", s.Name, c.ID)
		}
		if dA {
			continue // each side was checked above; they differ by the settings the derived arms name
		}
		if err := check("claim "+c.ID, c.A, c.B); err != nil {
			return err
		}
	}
	return nil
}

// Values returns, for one metric and one arm (or derived series), the per-seed
// values in seed order from a sweep's outcomes (of one protocol).
func (s *Suite) Values(outs []runner.Outcome, metric, arm string) ([]float64, error) {
	v, _, err := s.ValuesUnder(outs, "", metric, arm)
	return v, err
}

// ValuesUnder is Values for the runs of protocol p ("" for any). A metric read
// off frontier paths at a KL level ("win_rate@kl2") is interpolated per seed
// (AtKL); where a path does not reach the level the value is NaN and reach
// says why.
func (s *Suite) ValuesUnder(outs []runner.Outcome, p, metric, arm string) ([]float64, []Reach, error) {
	for _, d := range s.Derived {
		if d.Name == arm {
			a, ra, err := s.ValuesUnder(outs, p, metric, d.A)
			if err != nil {
				return nil, nil, err
			}
			b, rb, err := s.ValuesUnder(outs, p, metric, d.B)
			if err != nil {
				return nil, nil, err
			}
			if len(a) != len(b) {
				return nil, nil, fmt.Errorf("suite %s: derived %s: %d seeds of %s, %d of %s", s.Name, arm, len(a), d.A, len(b), d.B)
			}
			out := make([]float64, len(a))
			reach := make([]Reach, len(a))
			for i := range a {
				out[i] = a[i] - b[i]
				reach[i] = max(ra[i], rb[i])
			}
			return out, reach, nil
		}
	}
	base, level, atLevel := parseLevelMetric(metric)
	type sv struct {
		seed  int
		v     float64
		reach Reach
	}
	var vals []sv
	for _, o := range outs {
		if o.Job.Suite != s.Name || o.Job.Arm != arm || (p != "" && protocolOf(o) != p) {
			continue
		}
		if o.Result == nil {
			return nil, nil, fmt.Errorf("suite %s: arm %q: %s", s.Name, arm, FailureNote([]runner.Outcome{o}))
		}
		if atLevel {
			c := o.Result.Curves
			kl, y := c["kl_ref"], c[base]
			if len(y) == 0 || len(kl) != len(y) {
				// A run that trains nothing (sft, an oracle) is a path of one point.
				m, okM := o.Result.Metrics[base]
				k, okK := o.Result.Metrics["kl_ref"]
				if !okM || !okK {
					return nil, nil, fmt.Errorf("suite %s: arm %q has no %s path (a frontier run records one)", s.Name, arm, base)
				}
				kl, y = []float64{k}, []float64{m}
			}
			v, r := AtKL(kl, y, level)
			vals = append(vals, sv{o.Job.Seed, v, r})
			continue
		}
		v, ok := o.Result.Metrics[metric]
		if !ok {
			return nil, nil, fmt.Errorf("suite %s: arm %q has no metric %q", s.Name, arm, metric)
		}
		vals = append(vals, sv{o.Job.Seed, v, Reached})
	}
	if len(vals) == 0 {
		return nil, nil, fmt.Errorf("suite %s: no results for arm %q", s.Name, arm)
	}
	sort.Slice(vals, func(i, j int) bool { return vals[i].seed < vals[j].seed })
	out := make([]float64, len(vals))
	reach := make([]Reach, len(vals))
	for i, x := range vals {
		out[i], reach[i] = x.v, x.reach
	}
	return out, reach, nil
}

// Decide applies the suite's verdict rule to its evaluated claims (under recipe).
func (s *Suite) Decide(results []stats.ClaimResult) Verdict {
	deciding := map[string]bool{}
	for _, c := range s.Claims {
		if c.Decides {
			deciding[c.ID] = true
		}
	}
	return decide(deciding, results)
}

// decide is the verdict rule over the results whose IDs are deciding.
func decide(deciding map[string]bool, results []stats.ClaimResult) Verdict {
	all, any := true, false
	n := 0
	for _, r := range results {
		if !deciding[r.Claim.ID] {
			continue
		}
		n++
		switch r.Verdict {
		case stats.Refuted:
			any = true
		case stats.Supported:
		default:
			all = false
		}
	}
	switch {
	case n == 0:
		return Inconclusive
	case any:
		return Rejected
	case all:
		return Survives
	}
	return Inconclusive
}

// StatsClaims returns the suite's claims as stats claims.
func (s *Suite) StatsClaims() []stats.Claim {
	out := make([]stats.Claim, len(s.Claims))
	for i, c := range s.Claims {
		out[i] = c.Claim
	}
	return out
}

// registry of suites in report order.
var suites []*Suite

// All returns every suite in report order.
func All() []*Suite { return slices.Clone(suites) }

// Get returns the suite with that name (case-insensitive).
func Get(name string) (*Suite, error) {
	for _, s := range suites {
		if strings.EqualFold(s.Name, name) {
			return s, nil
		}
	}
	names := make([]string, len(suites))
	for i, s := range suites {
		names[i] = s.Name
	}
	return nil, fmt.Errorf("--suite must be one of %s, got %q", strings.Join(names, ", "), name)
}

// Register adds a suite after checking it: arms valid, claim IDs unique, claims
// naming arms or derived series of the suite.
func Register(s *Suite) error {
	ids := map[string]bool{}
	names := map[string]bool{}
	for _, a := range s.Arms {
		if err := a.Check(recipe.Default()); err != nil {
			return fmt.Errorf("suite %s: %w", s.Name, err)
		}
		if names[a.Name] {
			return fmt.Errorf("suite %s: arm %q listed twice", s.Name, a.Name)
		}
		names[a.Name] = true
	}
	for _, d := range s.Derived {
		names[d.Name] = true
	}
	for _, c := range s.Claims {
		if ids[c.ID] {
			return fmt.Errorf("suite %s: duplicate claim %s", s.Name, c.ID)
		}
		ids[c.ID] = true
		if !names[c.A] || !names[c.B] {
			return fmt.Errorf("suite %s: claim %s names %q and %q; not both are arms of the suite", s.Name, c.ID, c.A, c.B)
		}
	}
	if err := s.checkProtocols(); err != nil {
		return err
	}
	for _, o := range suites {
		if strings.EqualFold(o.Name, s.Name) {
			return fmt.Errorf("suite %s is already registered", s.Name)
		}
	}
	suites = append(suites, s)
	return nil
}

func mustRegister(s *Suite) {
	if err := Register(s); err != nil {
		panic("hypotheses: " + err.Error())
	}
}

// arm fetches a registered arm, panicking at init if it does not exist.
func arm(name string) arms.Arm {
	a, err := arms.Get(name)
	if err != nil {
		panic("hypotheses: " + err.Error())
	}
	return a
}

// AddArm adds an arm to the suite (for --add-arm): it runs beside the suite's
// arms for every seed and gets a context claim "arm > against on win rate" that
// does not change the suite's verdict, under every protocol. An empty against means the suite's
// baseline (no claim when the suite has none); otherwise against must be an arm
// of the suite.
func (s *Suite) AddArm(a arms.Arm, against string) error {
	if _, dup := s.Arm(a.Name); dup {
		return fmt.Errorf("suite %s already runs arm %q", s.Name, a.Name)
	}
	if err := a.Check(recipe.Default()); err != nil {
		return err
	}
	if against == "" {
		against = s.BaselineArm()
	} else if _, ok := s.Arm(against); !ok {
		names := make([]string, len(s.Arms))
		for i, x := range s.Arms {
			names[i] = x.Name
		}
		return fmt.Errorf("--against must be an arm of suite %s (%s), got %q", s.Name, strings.Join(names, ", "), against)
	}
	s.Arms = append(s.Arms, a)
	if len(s.CurveArms) > 0 {
		s.CurveArms = append(slices.Clone(s.CurveArms), a.Name)
	}
	if against != "" && a.Name != against {
		s.Claims = append(s.Claims, sup(fmt.Sprintf("%s.+%s", s.Name, a.Name), metrics.WinRate, a.Name, against, winMargin, false,
			"added arm vs "+against).under(allProtocols...))
	}
	return nil
}

// CheckShared verifies, from finished runs, that the two arms of every claim
// started from the same world, SFT checkpoint and preference data on every
// seed — unless their diffs name a field that changes them (world.*, sft.*,
// policy.*, data.*).
func (s *Suite) CheckShared(outs []runner.Outcome) error {
	shared := map[string]map[int]map[string]string{} // arm → seed → artifact → hash
	for _, o := range outs {
		if o.Job.Suite != s.Name || o.Result == nil {
			continue
		}
		if shared[o.Job.Arm] == nil {
			shared[o.Job.Arm] = map[int]map[string]string{}
		}
		shared[o.Job.Arm][o.Job.Seed] = o.Result.Shared
	}
	changes := func(a arms.Arm, prefixes ...string) bool {
		for k := range a.Diff {
			for _, p := range prefixes {
				if strings.HasPrefix(k, p) {
					return true
				}
			}
		}
		return false
	}
	for _, c := range s.Claims {
		a, okA := s.Arm(c.A)
		b, okB := s.Arm(c.B)
		if !okA || !okB {
			continue // derived series: their arms are checked through the derived pairs below
		}
		if err := s.sameArtifacts(c.ID, a, b, shared, changes); err != nil {
			return err
		}
	}
	for _, d := range s.Derived {
		a, _ := s.Arm(d.A)
		b, _ := s.Arm(d.B)
		if err := s.sameArtifacts(d.Name, a, b, shared, changes); err != nil {
			return err
		}
	}
	return nil
}

func (s *Suite) sameArtifacts(what string, a, b arms.Arm, shared map[string]map[int]map[string]string,
	changes func(arms.Arm, ...string) bool) error {
	need := map[string][]string{"world": {"world."}, "sft": {"world.", "sft.", "policy."}, "data": {"world.", "data.", "policy.", "sft."}}
	for seed, ha := range shared[a.Name] {
		hb, ok := shared[b.Name][seed]
		if !ok {
			continue
		}
		for _, art := range []string{"world", "sft", "data"} {
			if changes(a, need[art]...) || changes(b, need[art]...) {
				continue
			}
			if ha[art] != hb[art] {
				return fmt.Errorf("suite %s: %s: arms %q and %q started from different %s on seed %d", s.Name, what, a.Name, b.Name, art, seed)
			}
		}
	}
	return nil
}
