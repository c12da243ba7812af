package robustness

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"gapbench/arms"
	"gapbench/hypotheses"
	"gapbench/recipe"
	"gapbench/runner"
)

// Plan is a validated robustness sweep: the grid points, each with the suites it
// runs (restricted to their deciding claims that apply there and the arms those
// compare), and every job of every point, listed before anything runs.
type Plan struct {
	Budget    hypotheses.Budget
	Seeds     int
	Protocols []string
	Suites    []*hypotheses.Suite // the suites as registered
	Points    []PlannedPoint      // the default first
	Jobs      []runner.Job        // every point's jobs, point by point
}

// PlannedPoint is one grid point with what runs there.
type PlannedPoint struct {
	Point
	// Budget is the study's budget with the point's diff applied after the
	// budget's own: the dial varies the budget's world.
	Budget hypotheses.Budget
	// Changed lists the config paths whose values the point changes from the
	// default point, and Key their new values: points with equal keys run the
	// same configs (e.g. pairs=256 at the quick budget is the default).
	Changed []string
	Key     string
	// Suites are copies of the suites holding only the deciding claims that
	// apply at the point, with the arms and derived series those compare; a
	// suite with none is left out.
	Suites []*hypotheses.Suite
	// Skipped lists the deciding claims that do not apply at the point.
	Skipped []Skipped
	// Jobs is the half-open range of the point's jobs in Plan.Jobs.
	Jobs [2]int
}

// Skipped is a deciding claim that does not apply at a grid point, and why.
type Skipped struct {
	Suite, Claim, Reason string
}

// NewPlan lists the jobs of every suite's deciding claims at every point.
//
// A deciding claim does not apply at a point when the suite's own settings or
// the diff of an arm it compares (directly or through a derived series) sets a
// config path that the point changes: that arm would either override the dial
// (e.g. H6's horizon arms set world.h) or be overridden by it, and the claim
// would no longer be the claim. Such claims are listed in Skipped and shown as
// not applicable, never run at a silently overridden setting.
//
// Each point runs its claims under every protocol in protocols that the claim
// is evaluated under (a suite's claims say which), with the same seeds.
func NewPlan(suites []*hypotheses.Suite, b hypotheses.Budget, seeds int, points []Point, protocols []string) (*Plan, error) {
	if seeds < 1 {
		return nil, fmt.Errorf("--seeds must be >= 1, got %d", seeds)
	}
	if len(points) == 0 || points[0].Dial != "" {
		panic("robustness: the first point must be the default")
	}
	if len(protocols) == 0 {
		return nil, fmt.Errorf("robustness: no protocol to run")
	}
	center, err := recipe.Default().Apply(b.Diff)
	if err != nil {
		return nil, fmt.Errorf("budget %s: %w", b.Name, err)
	}
	plan := &Plan{Budget: b, Seeds: seeds, Protocols: protocols, Suites: suites}
	for _, pt := range points {
		pp := PlannedPoint{Point: pt, Budget: b}
		pp.Budget.Diff = maps.Clone(b.Diff)
		if pp.Budget.Diff == nil {
			pp.Budget.Diff = recipe.Diff{}
		}
		maps.Copy(pp.Budget.Diff, pt.Diff)
		base, err := center.Apply(pt.Diff)
		if err != nil {
			return nil, fmt.Errorf("dial %s=%s: %w", pt.Dial, pt.Value, err)
		}
		if err := base.Validate(); err != nil {
			return nil, fmt.Errorf("dial %s=%s: %w", pt.Dial, pt.Value, err)
		}
		pp.Changed = recipe.DiffPaths(center, base)
		bflat := base.Flatten()
		var kv []string
		for _, p := range pp.Changed {
			kv = append(kv, p+"="+bflat[p])
		}
		pp.Key = strings.Join(kv, " ")
		for _, s := range suites {
			sub, skipped := restrict(s, pp.Changed)
			pp.Skipped = append(pp.Skipped, skipped...)
			if sub != nil {
				pp.Suites = append(pp.Suites, sub)
			}
		}
		jobs, err := hypotheses.ProtocolJobs(pp.Suites, protocols, pp.Budget, seeds)
		if err != nil {
			return nil, fmt.Errorf("grid point %s: %w", pt.Label(), err)
		}
		for i, j := range jobs {
			jobs[i].Slim = true // the grid reads metrics and probes, never the per-step loss
			if err := j.Config.Validate(); err != nil {
				return nil, fmt.Errorf("dial %s=%s: suite %s, arm %s: %w", pt.Dial, pt.Value, j.Suite, j.Arm, err)
			}
		}
		pp.Jobs = [2]int{len(plan.Jobs), len(plan.Jobs) + len(jobs)}
		plan.Jobs = append(plan.Jobs, jobs...)
		plan.Points = append(plan.Points, pp)
	}
	return plan, nil
}

// restrict returns a copy of s holding the deciding claims that apply when the
// paths in changed move, with the arms and derived series they need (nil when
// none applies), and the deciding claims that do not apply.
func restrict(s *hypotheses.Suite, changed []string) (*hypotheses.Suite, []Skipped) {
	derived := map[string]hypotheses.Derived{}
	for _, d := range s.Derived {
		derived[d.Name] = d
	}
	armsOf := func(name string) []string {
		if d, ok := derived[name]; ok {
			return []string{d.A, d.B}
		}
		return []string{name}
	}
	sets := func(paths []string) (string, bool) {
		for _, c := range changed {
			if p, ok := overlaps(paths, c); ok {
				return p, true
			}
		}
		return "", false
	}
	var skipped []Skipped
	var claims []hypotheses.Claim
	need := map[string]bool{}
	needDerived := map[string]bool{}
	for _, c := range s.Claims {
		if !c.Decides {
			continue
		}
		if p, ok := sets(s.Settings.Keys()); ok {
			skipped = append(skipped, Skipped{s.Name, c.ID, fmt.Sprintf("suite %s sets %s", s.Name, p)})
			continue
		}
		var names []string
		for _, side := range []string{c.A, c.B} {
			names = append(names, armsOf(side)...)
		}
		reason := ""
		for _, n := range names {
			a, _ := s.Arm(n)
			if p, ok := sets(a.Diff.Keys()); ok {
				reason = fmt.Sprintf("arm %s sets %s", n, p)
				break
			}
		}
		if reason != "" {
			skipped = append(skipped, Skipped{s.Name, c.ID, reason})
			continue
		}
		claims = append(claims, c)
		for _, side := range []string{c.A, c.B} {
			if _, ok := derived[side]; ok {
				needDerived[side] = true
			}
		}
		for _, n := range names {
			need[n] = true
		}
	}
	if len(claims) == 0 {
		return nil, skipped
	}
	sub := *s
	sub.Claims = claims
	sub.Oracles = nil // rows of the report's tables, compared in no claim
	sub.Arms = slices.DeleteFunc(slices.Clone(s.Arms), func(a arms.Arm) bool { return !need[a.Name] })
	sub.Derived = slices.DeleteFunc(slices.Clone(s.Derived), func(d hypotheses.Derived) bool { return !needDerived[d.Name] })
	return &sub, skipped
}

// overlaps reports the first of paths that is p, lies under p or contains p
// ("world" contains "world.h").
func overlaps(paths []string, p string) (string, bool) {
	for _, q := range paths {
		if q == p || strings.HasPrefix(p, q+".") || strings.HasPrefix(q, p+".") {
			return q, true
		}
	}
	return "", false
}
