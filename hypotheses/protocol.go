package hypotheses

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"gapbench/arms"
	"gapbench/recipe"
	"gapbench/runner"
)

// Protocol names, for suites' claims (recipe.ProtocolNames lists them in order).
const (
	Recipe   = recipe.ProtocolRecipe
	Tuned    = recipe.ProtocolTuned
	Frontier = recipe.ProtocolFrontier
)

// allProtocols is every protocol, for claims that make sense under all of them.
var allProtocols = []string{Recipe, Tuned, Frontier}

// FrontierLevels are the KL(π‖π_ref) levels, in nats, at which frontier claims
// compare two arms, fixed before any run. FrontierDeciding is the level whose
// claims decide; the others are context. 2 nats is the middle of the grid: far
// enough from π_ref that where a method lands matters, and reached by DPO after
// about 8 epochs in the measurements (which gave KL, not gaps).
var (
	FrontierLevels   = []float64{0.5, 1, 2, 4}
	FrontierDeciding = 2.0
)

// frontierMetrics are the metrics a frontier path records and claims can be
// stated on.
var frontierMetrics = []string{"win_rate", "gold_reward"}

// under returns the claim evaluated under the named protocols (in addition to
// none: a claim without protocols is evaluated under recipe only).
func (c Claim) under(ps ...string) Claim {
	c.Protocols = ps
	return c
}

// UnderProtocol reports whether the claim is evaluated under protocol p. A claim
// that names no protocols is evaluated under recipe only.
func (c Claim) UnderProtocol(p string) bool {
	if len(c.Protocols) == 0 {
		return p == Recipe
	}
	return slices.Contains(c.Protocols, p)
}

// HasProtocol reports whether any of the suite's claims is evaluated under p.
func (s *Suite) HasProtocol(p string) bool {
	for _, c := range s.Claims {
		if c.UnderProtocol(p) {
			return true
		}
	}
	return false
}

// ArmsUnder returns the arms the suite runs under protocol p at budget b: every
// arm under recipe (the paper's tables show them all), in a suite without claims
// and, when b.Curves is set, under the protocols of AllArmsUnder; otherwise the
// arms that the claims evaluated under p compare (directly or through a derived
// series) and the suite's oracle rows, in the suite's order.
func (s *Suite) ArmsUnder(p string, b Budget) []arms.Arm {
	if p == Recipe || len(s.Claims) == 0 || b.Curves && slices.Contains(s.AllArmsUnder, p) {
		return s.Arms
	}
	need := map[string]bool{}
	derived := map[string]Derived{}
	for _, d := range s.Derived {
		derived[d.Name] = d
	}
	add := func(name string) {
		if d, ok := derived[name]; ok {
			need[d.A], need[d.B] = true, true
			return
		}
		need[name] = true
	}
	for _, c := range s.Claims {
		if c.UnderProtocol(p) {
			add(c.A)
			add(c.B)
		}
	}
	for _, name := range s.Oracles {
		need[name] = true
	}
	var out []arms.Arm
	for _, a := range s.Arms {
		if need[a.Name] {
			out = append(out, a)
		}
	}
	return out
}

// JobsUnder lists the runs of the suite under protocol p: every arm of
// ArmsUnder(p) for seeds 1..seeds, labelled with p, each config carrying the
// protocol where it changes the run (recipe.Config.ProtocolMatters).
func (s *Suite) JobsUnder(b Budget, p string, seeds int) ([]runner.Job, error) {
	pc, err := recipe.NewProtocol(p)
	if err != nil {
		return nil, err
	}
	base, err := s.Base(b)
	if err != nil {
		return nil, err
	}
	var jobs []runner.Job
	for _, a := range s.ArmsUnder(p, b) {
		c, err := a.Resolve(base)
		if err != nil {
			return nil, fmt.Errorf("suite %s: %w", s.Name, err)
		}
		if c.ProtocolMatters() {
			c = c.WithProtocol(pc)
		}
		for seed := 1; seed <= seeds; seed++ {
			jobs = append(jobs, runner.Job{Suite: s.Name, Arm: a.Name, Seed: seed, Config: c, Protocol: p})
		}
	}
	return jobs, nil
}

// ParseProtocols turns a --protocol value (a protocol name or "all") into the
// protocols to run, in report order.
func ParseProtocols(v string) ([]string, error) {
	if strings.EqualFold(v, "all") {
		return slices.Clone(recipe.ProtocolNames), nil
	}
	var out []string
	for _, p := range strings.Split(v, ",") {
		p = strings.ToLower(strings.TrimSpace(p))
		if _, err := recipe.NewProtocol(p); err != nil {
			return nil, fmt.Errorf("--protocol must be one of %s or all, got %q", strings.Join(recipe.ProtocolNames, ", "), p)
		}
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b string) int {
		return slices.Index(recipe.ProtocolNames, a) - slices.Index(recipe.ProtocolNames, b)
	})
	return out, nil
}

// protocolOf is the protocol a finished run ran under.
func protocolOf(o runner.Outcome) string { return o.Job.ProtocolName() }

// Reach says whether a path reaches a KL level.
type Reach int

const (
	// Reached: the path passes through the level; the value is interpolated.
	Reached Reach = iota
	// NeverReaches: the path stays below the level to its end.
	NeverReaches
	// StartsBeyond: the path starts above the level (an arm that starts from
	// another trained policy), so it never passes through it.
	StartsBeyond
)

// String describes the reach in words.
func (r Reach) String() string {
	switch r {
	case Reached:
		return "reached"
	case NeverReaches:
		return "never reaches"
	case StartsBeyond:
		return "starts beyond"
	}
	return fmt.Sprintf("Reach(%d)", int(r))
}

// AtKL returns a path's value at a KL level: the path is (kl[i], y[i]) in training
// order; the value is interpolated linearly in KL between the last probe below
// the level and the first at or above it (the first crossing). A path that ends
// below the level never reaches it and one that starts above it starts beyond
// it; neither is extrapolated (the value is NaN).
func AtKL(kl, y []float64, level float64) (float64, Reach) {
	if len(kl) != len(y) {
		panic(fmt.Sprintf("hypotheses: path has %d KL values and %d metric values", len(kl), len(y)))
	}
	for i, k := range kl {
		if k < level {
			continue
		}
		switch {
		case i == 0 && k == level:
			return y[0], Reached
		case i == 0:
			return math.NaN(), StartsBeyond
		}
		t := (level - kl[i-1]) / (k - kl[i-1])
		return y[i-1] + t*(y[i]-y[i-1]), Reached
	}
	return math.NaN(), NeverReaches
}

// LevelMetric is the name of a metric read off frontier paths at a KL level,
// e.g. "win_rate@kl2".
func LevelMetric(metric string, level float64) string {
	return metric + "@kl" + strconv.FormatFloat(level, 'g', -1, 64)
}

// parseLevelMetric splits "win_rate@kl2" into its metric and level.
func parseLevelMetric(m string) (metric string, level float64, ok bool) {
	metric, l, ok := strings.Cut(m, "@kl")
	if !ok {
		return m, 0, false
	}
	level, err := strconv.ParseFloat(l, 64)
	if err != nil {
		return m, 0, false
	}
	return metric, level, true
}

// claimVariant is one claim as evaluated under one protocol.
type claimVariant struct {
	claim   Claim
	level   float64 // frontier: the KL level; 0 otherwise
	decides bool
}

// variants lists a claim's forms under protocol p: the claim itself under
// recipe; under tuned the claim with its ID suffixed "/tuned"; under frontier one
// claim per KL level on the metric at that level ("gap.2/frontier@kl2" on
// "win_rate@kl2"), deciding only at FrontierDeciding.
func (c Claim) variants(p string) []claimVariant {
	if !c.UnderProtocol(p) {
		return nil
	}
	switch p {
	case Recipe:
		return []claimVariant{{claim: c, decides: c.Decides}}
	case Frontier:
		var out []claimVariant
		for _, l := range FrontierLevels {
			v := c
			v.ID = c.ID + "/frontier@kl" + strconv.FormatFloat(l, 'g', -1, 64)
			v.Metric = LevelMetric(c.Metric, l)
			v.Decides = c.Decides && l == FrontierDeciding
			out = append(out, claimVariant{claim: v, level: l, decides: v.Decides})
		}
		return out
	}
	v := c
	v.ID = c.ID + "/" + p
	return []claimVariant{{claim: v, decides: c.Decides}}
}

// checkProtocols checks that a suite's claims name known protocols and that
// frontier claims are stated on a metric that frontier paths record.
func (s *Suite) checkProtocols() error {
	for _, c := range s.Claims {
		for _, p := range c.Protocols {
			if !slices.Contains(recipe.ProtocolNames, p) {
				return fmt.Errorf("suite %s: claim %s names protocol %q; want one of %s", s.Name, c.ID, p, strings.Join(recipe.ProtocolNames, ", "))
			}
		}
		if c.UnderProtocol(Frontier) && !slices.Contains(frontierMetrics, c.Metric) {
			return fmt.Errorf("suite %s: claim %s is on %s, which frontier paths do not record (%s)", s.Name, c.ID, c.Metric, strings.Join(frontierMetrics, ", "))
		}
	}
	for _, o := range s.Oracles {
		if _, ok := s.Arm(o); !ok {
			return fmt.Errorf("suite %s: oracle row %q is not an arm of the suite", s.Name, o)
		}
	}
	return nil
}

// DecidingIDs lists the IDs of the claim variants that decide the suite's
// verdict under protocol p.
func (s *Suite) DecidingIDs(p string) []string {
	var ids []string
	for _, c := range s.Claims {
		for _, v := range c.variants(p) {
			if v.decides {
				ids = append(ids, v.claim.ID)
			}
		}
	}
	return ids
}

// FrontierValues returns an arm's per-seed values of a metric read off its
// frontier paths at a KL level ("win_rate@kl2"), with whether each seed's path
// reaches the level; nil when metric is not such a metric or p is not frontier.
func (st *Study) FrontierValues(p string, s *Suite, arm, metric string) ([]float64, []Reach, error) {
	if p != Frontier {
		return nil, nil, nil
	}
	if _, _, ok := parseLevelMetric(metric); !ok {
		return nil, nil, nil
	}
	return s.ValuesUnder(st.Outcomes, p, metric, arm)
}
