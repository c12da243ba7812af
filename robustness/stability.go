package robustness

import (
	"fmt"
	"strings"

	"gapbench/hypotheses"
	"gapbench/runner"
	"gapbench/stats"
)

// Grid is an evaluated robustness sweep: one row per deciding claim, protocol
// and grid point, and each suite's verdict at each point.
type Grid struct {
	Plan     *Plan
	Rows     []Row          // suite, claim, protocol, then point order
	Verdicts []SuiteVerdict // suite, protocol, then point order
	// Absent, Incomplete and Unstored are what a stored grid left out (see
	// Stored); empty for a grid evaluated from a whole plan.
	Absent, Incomplete []string
	Unstored           int
}

// Row is one deciding claim under one protocol at one grid point.
type Row struct {
	Suite, Claim, Protocol string
	// Variant is the claim's ID as evaluated under the protocol (gap.2,
	// gap.2/tuned, gap.2/frontier@kl2: the deciding KL level).
	Variant string
	Point   Point
	Key     string // the point's key (see PlannedPoint)
	// Applicable is false when the claim does not apply at the point; Reason
	// says why and Result is empty.
	Applicable bool
	Reason     string
	Result     stats.ClaimResult
}

// SuiteVerdict is a suite's verdict under one protocol at one grid point, from
// the deciding claims that apply there.
type SuiteVerdict struct {
	Suite, Protocol string
	Point           Point
	Key             string
	Verdict         hypotheses.Verdict
	// Applicable of Deciding deciding claims apply at the point.
	Applicable, Deciding int
}

// Evaluate judges every point from finished outcomes (in the order of
// plan.Jobs), each point on its own exactly as the report of record judges the
// study: Holm's correction across the point's deciding claims, then each
// suite's verdict rule.
func Evaluate(plan *Plan, outs []runner.Outcome, so stats.Options) (*Grid, error) {
	if len(outs) != len(plan.Jobs) {
		return nil, fmt.Errorf("robustness: %d outcomes for %d jobs", len(outs), len(plan.Jobs))
	}
	type at struct{ point, variant string }
	results := map[at]stats.ClaimResult{}
	verdicts := map[[3]string]hypotheses.Verdict{} // point, protocol, suite
	for _, pp := range plan.Points {
		if len(pp.Suites) == 0 {
			continue
		}
		st, err := hypotheses.Evaluate(pp.Suites, pp.Budget, plan.Seeds, outs[pp.Jobs[0]:pp.Jobs[1]], so)
		if err != nil {
			return nil, fmt.Errorf("grid point %s: %w", pp.Label(), err)
		}
		for _, sr := range st.Results {
			verdicts[[3]string{pp.Label(), sr.Protocol, sr.Suite.Name}] = sr.Verdict
			for _, r := range sr.Claims {
				results[at{pp.Label(), r.Claim.ID}] = r
			}
		}
	}
	g := &Grid{Plan: plan}
	for _, s := range plan.Suites {
		// variants[p]: the deciding claims under protocol p, by ID, with the ID
		// of the variant that decides under p (gap.2/frontier@kl2)
		variants := map[string]map[string]string{}
		for _, proto := range plan.Protocols {
			variants[proto] = map[string]string{}
			for _, id := range s.DecidingIDs(proto) {
				base, _, _ := strings.Cut(id, "/")
				variants[proto][base] = id
			}
		}
		for _, c := range s.Claims {
			for _, proto := range plan.Protocols {
				id, ok := variants[proto][c.ID]
				if !ok {
					continue
				}
				for _, pp := range plan.Points {
					row := Row{Suite: s.Name, Claim: c.ID, Variant: id, Protocol: proto, Point: pp.Point, Key: pp.Key}
					if r, ok := results[at{pp.Label(), id}]; ok {
						row.Applicable, row.Result = true, r
					} else {
						row.Reason = "not run"
						for _, sk := range pp.Skipped {
							if sk.Claim == c.ID {
								row.Reason = sk.Reason
							}
						}
					}
					g.Rows = append(g.Rows, row)
				}
			}
		}
		for _, proto := range plan.Protocols {
			variant := variants[proto]
			if len(variant) == 0 {
				continue
			}
			for _, pp := range plan.Points {
				sv := SuiteVerdict{Suite: s.Name, Protocol: proto, Point: pp.Point, Key: pp.Key, Deciding: len(variant), Verdict: hypotheses.Inconclusive}
				sv.Applicable = len(variant)
				for _, sk := range pp.Skipped {
					if _, ok := variant[sk.Claim]; ok && sk.Suite == s.Name {
						sv.Applicable--
					}
				}
				if v, ok := verdicts[[3]string{pp.Label(), proto, s.Name}]; ok {
					sv.Verdict = v
				}
				g.Verdicts = append(g.Verdicts, sv)
			}
		}
	}
	return g, nil
}

// Stability is how one verdict (a deciding claim's, or a hypothesis's when
// Claim is empty) behaves across the grid under one protocol.
type Stability struct {
	Suite, Claim, Protocol string
	Default                string // the verdict at the default point
	Status                 string // holds, flips or inconclusive
	Text                   string // the status with the points named
	Points                 int    // distinct grid points judged
}

// Stability statuses.
const (
	Holds        = "holds"
	Flips        = "flips"
	Inconclusive = "inconclusive"
)

// labelled is a verdict at a grid point.
type labelled struct {
	key, label, verdict string
}

// summarise classifies verdicts at distinct points (points with equal keys run
// the same configs and count once, under the first label):
//
//   - holds: every point gives the same decisive verdict;
//   - flips: two different decisive verdicts occur (the text names the points of
//     each, and the inconclusive ones);
//   - inconclusive: otherwise, some points are inconclusive; the text gives
//     their share and names them.
func summarise(vs []labelled, undecided string) (status, text string, n int) {
	seen := map[string]bool{}
	var order []string
	by := map[string][]string{}
	for _, v := range vs {
		if seen[v.key] {
			continue
		}
		seen[v.key] = true
		n++
		if _, ok := by[v.verdict]; !ok {
			order = append(order, v.verdict)
		}
		by[v.verdict] = append(by[v.verdict], v.label)
	}
	var decisive []string
	for _, v := range order {
		if v != undecided {
			decisive = append(decisive, v)
		}
	}
	und := by[undecided]
	switch {
	case n == 0:
		return Inconclusive, "not judged at any point", 0
	case len(decisive) == 1 && len(und) == 0:
		return Holds, fmt.Sprintf("holds: %s at %s", decisive[0], allPoints(n)), n
	case len(decisive) >= 2:
		var parts []string
		for _, v := range decisive {
			parts = append(parts, fmt.Sprintf("%s at %s", v, strings.Join(by[v], ", ")))
		}
		if len(und) > 0 {
			parts = append(parts, fmt.Sprintf("%s at %d of %d points (%s)", undecided, len(und), n, strings.Join(und, ", ")))
		}
		return Flips, "flips: " + strings.Join(parts, "; "), n
	}
	text = fmt.Sprintf("inconclusive at %d of %d points (%s)", len(und), n, strings.Join(und, ", "))
	if len(und) == n {
		text = "inconclusive at " + allPoints(n)
	}
	if len(decisive) == 1 {
		text += fmt.Sprintf("; %s at %s", decisive[0], strings.Join(by[decisive[0]], ", "))
	}
	return Inconclusive, text, n
}

// allPoints is "all n points", or "the one point" when n is 1.
func allPoints(n int) string {
	if n == 1 {
		return "the one point"
	}
	return fmt.Sprintf("all %d points", n)
}

// ClaimStability summarises every deciding claim under every protocol across
// the points where it applies.
func (g *Grid) ClaimStability() []Stability {
	var out []Stability
	var cur *Stability
	var vs []labelled
	flush := func() {
		if cur != nil {
			cur.Status, cur.Text, cur.Points = summarise(vs, string(stats.Inconclusive))
			out = append(out, *cur)
		}
	}
	for _, r := range g.Rows {
		if cur == nil || r.Suite != cur.Suite || r.Claim != cur.Claim || r.Protocol != cur.Protocol {
			flush()
			cur, vs = &Stability{Suite: r.Suite, Claim: r.Claim, Protocol: r.Protocol}, nil
		}
		if r.Point.Dial == "" {
			cur.Default = string(r.Result.Verdict)
			if !r.Applicable {
				cur.Default = "not applicable"
			}
		}
		if r.Applicable {
			vs = append(vs, labelled{r.Key, r.Point.Label(), string(r.Result.Verdict)})
		}
	}
	flush()
	return out
}

// SuiteStability summarises every hypothesis's verdict under every protocol
// across the points where all its deciding claims apply; the points where some
// do not are named in the text and not judged.
func (g *Grid) SuiteStability() []Stability {
	var out []Stability
	var cur *Stability
	var vs []labelled
	var partial []string
	flush := func() {
		if cur == nil {
			return
		}
		cur.Status, cur.Text, cur.Points = summarise(vs, string(hypotheses.Inconclusive))
		if len(partial) > 0 {
			cur.Text += fmt.Sprintf("; not judged at %s (some deciding claims do not apply)", strings.Join(partial, ", "))
		}
		out = append(out, *cur)
	}
	for _, v := range g.Verdicts {
		if cur == nil || v.Suite != cur.Suite || v.Protocol != cur.Protocol {
			flush()
			cur, vs, partial = &Stability{Suite: v.Suite, Protocol: v.Protocol}, nil, nil
		}
		if v.Point.Dial == "" {
			cur.Default = string(v.Verdict)
		}
		if v.Applicable < v.Deciding {
			partial = append(partial, v.Point.Label())
			continue
		}
		vs = append(vs, labelled{v.Key, v.Point.Label(), string(v.Verdict)})
	}
	flush()
	return out
}
