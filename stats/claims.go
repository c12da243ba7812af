package stats

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"math"
)

// Kind is what a claim asserts about the paired difference Δ = A − B.
type Kind int

const (
	// Superiority claims a difference in the predicted direction (A > B or
	// A < B).
	Superiority Kind = iota
	// Equivalence claims |Δ| < Margin.
	Equivalence
)

// String returns "superiority" or "equivalence".
func (k Kind) String() string {
	switch k {
	case Superiority:
		return "superiority"
	case Equivalence:
		return "equivalence"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Direction is the sign of Δ = A − B that a superiority claim predicts.
type Direction int

const (
	// Greater predicts A > B.
	Greater Direction = iota
	// Less predicts A < B.
	Less
)

// String returns ">" or "<".
func (d Direction) String() string {
	switch d {
	case Greater:
		return ">"
	case Less:
		return "<"
	}
	return fmt.Sprintf("Direction(%d)", int(d))
}

// sign is +1 for Greater and −1 for Less.
func (d Direction) sign() float64 {
	if d == Less {
		return -1
	}
	return 1
}

// Claim is one prediction of a hypothesis: a comparison of arm A with arm B
// on one metric, paired by seed, stated before any run.
type Claim struct {
	// ID names the claim in tables and errors (unique in a family).
	ID string
	// Metric, A and B select the values compared (A − B).
	Metric, A, B string
	// Kind is superiority or equivalence.
	Kind Kind
	// Predict is the direction a superiority claim predicts (ignored for
	// equivalence).
	Predict Direction
	// Margin is the smallest difference that matters, in the metric's units.
	// An equivalence claim needs Margin > 0; a superiority claim may have
	// Margin ≥ 0, and a Margin > 0 lets the data refute it by showing the
	// effect is smaller than that.
	Margin float64
	// Note is free text carried to the table (e.g. the paper's verdict).
	Note string
	// Range is the range of the metric's values (the zero Range: unbounded).
	// A value outside it is an error, the margin must be smaller than its
	// width, and Δ's intervals are cut at the range of a difference,
	// Range.Diff(); verdicts are the same as without it.
	Range Range
}

// String is a one-line statement of the prediction, e.g. "dpo-2x > dpo"
// or "|online − hypo| < 2".
func (c Claim) String() string {
	if c.Kind == Equivalence {
		return fmt.Sprintf("|%s − %s| < %g", c.A, c.B, c.Margin)
	}
	return fmt.Sprintf("%s %s %s", c.A, c.Predict, c.B)
}

func (c Claim) validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w %q: %s", ErrClaim, c.ID, fmt.Sprintf(format, args...))
	}
	switch {
	case c.ID == "":
		return fmt.Errorf("%w: empty ID (metric %q, %q vs %q)", ErrClaim, c.Metric, c.A, c.B)
	case c.Metric == "":
		return bad("empty metric")
	case c.A == "" || c.B == "":
		return bad("empty arm name (A = %q, B = %q)", c.A, c.B)
	case c.A == c.B:
		return bad("compares arm %q with itself", c.A)
	case c.Kind != Superiority && c.Kind != Equivalence:
		return bad("unknown kind %d", int(c.Kind))
	case c.Kind == Superiority && c.Predict != Greater && c.Predict != Less:
		return bad("unknown direction %d", int(c.Predict))
	case math.IsNaN(c.Margin) || math.IsInf(c.Margin, 0):
		return fmt.Errorf("%w: claim %q: margin must be finite, got %v", ErrMargin, c.ID, c.Margin)
	case c.Kind == Equivalence && c.Margin <= 0:
		return fmt.Errorf("%w: claim %q: an equivalence claim needs margin > 0, got %v", ErrMargin, c.ID, c.Margin)
	case c.Margin < 0:
		return fmt.Errorf("%w: claim %q: margin must be >= 0, got %v", ErrMargin, c.ID, c.Margin)
	}
	if err := c.Range.check(); err != nil {
		return fmt.Errorf("claim %q: %w", c.ID, err)
	}
	if w := c.Range.Diff().Hi; !c.Range.Unbounded() && c.Margin >= w {
		return fmt.Errorf("%w: claim %q: margin %v is not smaller than the widest possible difference %v (range %v)", ErrMargin, c.ID, c.Margin, w, c.Range)
	}
	return nil
}

// Verdict is the outcome of a claim.
type Verdict string

// The three verdicts; the rules are in the package doc.
const (
	Supported    Verdict = "supported"
	Refuted      Verdict = "refuted"
	Inconclusive Verdict = "inconclusive"
)

// ClaimResult is a claim with its statistics and verdict.
type ClaimResult struct {
	// Claim is the claim evaluated.
	Claim Claim
	// Paired compares A with B over the seeds (Δ = A − B).
	Paired Paired
	// Equiv is the TOST of |Δ| < Margin, for equivalence claims and for
	// superiority claims with Margin > 0; nil otherwise.
	Equiv *TOSTResult
	// P is the p-value of the test that can support the claim and PAdj its
	// Holm adjustment across the family: for superiority the two-sided exact
	// sign-flip p; for equivalence min(1, 2·max(TOST p, bootstrap-t TOST p)),
	// the p-value of "the 95% primary interval lies inside ±Margin".
	P, PAdj float64
	// PRefute is the p-value of the test that can refute the claim and
	// PRefuteAdj its Holm adjustment across the family.
	PRefute, PRefuteAdj float64
	// Verdict is supported, refuted or inconclusive, at family-wise level
	// Alpha.
	Verdict Verdict
	Alpha   float64
	// SeedsNeeded is, for an inconclusive claim, how many seeds would decide
	// it with power 0.8 if the observed Δ and SD were the truth; -1 when no
	// number up to MaxSeeds would, 0 when not applicable.
	SeedsNeeded int
	// Warnings say what limits the verdict.
	Warnings []string
}

// EvaluationPower is the power SeedsNeeded targets in ClaimResult.
const EvaluationPower = 0.8

// EvaluateClaims evaluates a family of claims: for each, it fetches the
// values of both arms with values(metric, arm), compares them paired by seed,
// Holm-adjusts the support p-values and the refutation p-values across the
// family, and gives each claim its verdict by the rules in the package doc.
// Randomness for a claim is seeded from opt.Seed and the claim's ID, so a
// claim's numbers do not change when others are added. It returns an error
// for a malformed claim, duplicate IDs, an error from values, or bad data.
func EvaluateClaims(claims []Claim, values func(metric, arm string) ([]float64, error), opt Options) ([]ClaimResult, error) {
	opt, err := opt.withDefaults()
	if err != nil {
		return nil, err
	}
	if values == nil {
		panic("stats: EvaluateClaims needs a values function")
	}
	seen := make(map[string]bool, len(claims))
	for _, c := range claims {
		if err := c.validate(); err != nil {
			return nil, err
		}
		if seen[c.ID] {
			return nil, fmt.Errorf("%w %q: duplicate ID", ErrClaim, c.ID)
		}
		seen[c.ID] = true
	}
	k := len(claims)
	rs := make([]ClaimResult, k)
	exps := make([]int, k)
	margins := make([]float64, k) // in the units of the normalized data
	for i, c := range claims {
		get := func(arm string) ([]float64, error) {
			v, err := values(c.Metric, arm)
			if err != nil {
				return nil, fmt.Errorf("claim %q: values(%q, %q): %w", c.ID, c.Metric, arm, err)
			}
			return v, nil
		}
		a, err := get(c.A)
		if err != nil {
			return nil, err
		}
		b, err := get(c.B)
		if err != nil {
			return nil, err
		}
		d, err := checkPairs(a, b)
		if err != nil {
			return nil, fmt.Errorf("claim %q (%s, %s vs %s): %w", c.ID, c.Metric, c.A, c.B, err)
		}
		if err := c.Range.checkIn(fmt.Sprintf("claim %q: %s", c.ID, c.A), a); err != nil {
			return nil, err
		}
		if err := c.Range.checkIn(fmt.Sprintf("claim %q: %s", c.ID, c.B), b); err != nil {
			return nil, err
		}
		ds, e := normalize(d, c.Margin)
		exps[i], margins[i] = e, math.Ldexp(c.Margin, -e)
		if c.Margin > 0 && margins[i] < smallestNormal {
			return nil, marginUnderflow(c.ID, c.Margin, d)
		}
		rs[i] = evaluate(c, ds, margins[i], claimOptions(opt, c.ID), k)
		rs[i].Paired.MeanA, rs[i].Paired.MeanB = safeMean(a), safeMean(b)
	}

	ps, pr := make([]float64, k), make([]float64, k)
	for i := range rs {
		ps[i], pr[i] = rs[i].P, rs[i].PRefute
	}
	adjS, adjR := Holm(ps), Holm(pr)
	for i := range rs {
		rs[i].PAdj, rs[i].PRefuteAdj = adjS[i], adjR[i]
		rs[i].Alpha = opt.Alpha
		decide(&rs[i], margins[i], opt, k)
		rs[i].Paired.unscale(exps[i])
		if rs[i].Equiv != nil {
			rs[i].Equiv.unscale(exps[i])
		}
		if rg := rs[i].Claim.Range.Diff(); rs[i].Paired.clip(rg) {
			rs[i].Warnings = append(rs[i].Warnings, rangeWarning(rg))
		}
	}
	return rs, nil
}

// claimOptions gives a claim its own seed, from opt.Seed and its ID.
func claimOptions(opt Options, id string) Options {
	h := fnv.New64a()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], opt.Seed)
	h.Write(b[:])
	h.Write([]byte(id))
	opt.Seed = h.Sum64()
	return opt
}

// evaluate computes a claim's statistics and raw p-values from the
// normalized differences d and margin m (see normalize).
func evaluate(c Claim, d []float64, m float64, opt Options, family int) ClaimResult {
	p, bs := comparePaired(d, opt, family)
	r := ClaimResult{Claim: c, Paired: p}
	if m > 0 {
		e := tost(d, m, opt.Alpha, opt.Resamples)
		r.Equiv = &e
	}
	rng := newRand(opt.Seed, streamRefute)
	switch c.Kind {
	case Superiority:
		r.P = r.Paired.PSignFlip
		// H₀: sΔ ≥ m, i.e. sΔ − m symmetric about 0 or above; reject for small sums.
		var pLess float64
		if c.Predict == Greater {
			_, pLess, _, _ = SignFlipTest(d, m, opt.Resamples, rng)
		} else {
			_, _, pLess, _ = SignFlipTest(d, -m, opt.Resamples, rng)
		}
		r.PRefute = math.Min(1, 2*pLess)
	case Equivalence:
		r.P = equivalenceP(r.Equiv, bs, p)
		if need := MinSeedsEquivalence(opt.Alpha / float64(family)); p.N < need {
			r.P = 1
			r.Warnings = append(r.Warnings, fmt.Sprintf("an equivalence verdict needs >= %d seeds (as many as the exact sign-flip test needs to reach α = %g%s); have %d", need, opt.Alpha, holmAfter(family), p.N))
		}
		r.PRefute = 1
		switch mean := r.Paired.Mean; {
		case mean > m:
			_, _, pg, _ := SignFlipTest(d, m, opt.Resamples, rng)
			r.PRefute = math.Min(1, 2*pg)
		case mean < -m:
			_, pl, _, _ := SignFlipTest(d, -m, opt.Resamples, rng)
			r.PRefute = math.Min(1, 2*pl)
		}
	}
	return r
}

// equivalenceP is the support p-value of an equivalence claim: the p-value
// of "the 95% primary interval (t ∪ bootstrap-t) lies inside ±margin",
// min(1, 2·max(TOST p, bootstrap-t TOST p)). Each one-sided test then runs
// at α/2 and both the t and the bootstrap-t version must reject, because
// the t TOST alone (90% t interval inside ±margin) calls equivalence 11% of
// the time at the margin for skewed differences (package doc).
func equivalenceP(e *TOSTResult, bs *Bootstrap, p Paired) float64 {
	if p.N < 2 || bs == nil {
		return 1
	}
	m := e.Margin
	var pbt float64
	if constant(p.Mean, p.SD, p.N) {
		pbt = e.P // the bootstrap-t has no spread either: the sign-flip p of tost
	} else {
		se := p.SD / math.Sqrt(float64(p.N))
		pbt = math.Max(bs.StudentizedTail((p.Mean-m)/se, true), bs.StudentizedTail((p.Mean+m)/se, false))
	}
	return math.Min(1, 2*math.Max(e.P, pbt))
}

// decide applies the verdict rules of the package doc to a result whose
// adjusted p-values are set, still in normalized units (margin m).
func decide(r *ClaimResult, m float64, opt Options, family int) {
	c, p := r.Claim, r.Paired
	alpha := opt.Alpha
	var support, refute bool
	switch c.Kind {
	case Superiority:
		s := c.Predict.sign()
		lo, hi := s*p.CI.Lo, s*p.CI.Hi
		if s < 0 {
			lo, hi = hi, lo
		}
		support = r.PAdj < alpha && lo > 0
		refute = r.PRefuteAdj < alpha && hi < m
		if support && refute {
			refute = false
			r.Warnings = append(r.Warnings, fmt.Sprintf("Δ is in the predicted direction but smaller than the margin %g: real yet negligible", c.Margin))
		}
	case Equivalence:
		support = r.PAdj < alpha
		refute = r.PRefuteAdj < alpha && (p.CI.Lo > m || p.CI.Hi < -m)
	}
	switch {
	case support:
		r.Verdict = Supported
	case refute:
		r.Verdict = Refuted
	default:
		r.Verdict = Inconclusive
	}
	if r.Equiv != nil {
		r.Warnings = append(r.Warnings, r.Equiv.Warnings...)
	}
	r.Warnings = append(r.Warnings, p.Warnings...)
	if r.Verdict == Inconclusive {
		r.SeedsNeeded = seedsToDecide(r, m, alpha/float64(family))
		switch {
		case r.SeedsNeeded > 0:
			r.Warnings = append(r.Warnings, fmt.Sprintf("inconclusive: %d seeds, %d needed (power %g at the observed Δ and SD, α = %g/%d)", p.N, r.SeedsNeeded, EvaluationPower, alpha, family))
		case r.SeedsNeeded < 0:
			r.Warnings = append(r.Warnings, fmt.Sprintf("inconclusive: %d seeds, more than %d needed at the observed Δ and SD", p.N, MaxSeeds))
		}
	}
}

// seedsToDecide is the number of seeds with which the nearer decision
// boundary (0 or ±margin m) would be crossed with power EvaluationPower, if
// the observed Δ and SD were the truth. 0 means unknown (fewer than 2 seeds).
func seedsToDecide(r *ClaimResult, m, alpha float64) int {
	c, p := r.Claim, r.Paired
	if p.N < 2 {
		return 0
	}
	best := -1
	take := func(n int) {
		if n > 0 && (best < 0 || n < best) {
			best = n
		}
	}
	switch c.Kind {
	case Superiority:
		e := c.Predict.sign() * p.Mean
		if e > 0 {
			take(SeedsNeeded(e, p.SD, alpha, EvaluationPower))
		}
		if e < m {
			take(SeedsNeeded(m-e, p.SD, alpha, EvaluationPower))
		}
	case Equivalence:
		if a := math.Abs(p.Mean); a < m {
			if n := SeedsNeededEquivalence(p.Mean, p.SD, m, alpha, EvaluationPower); n > 0 {
				take(max(n, MinSeedsEquivalence(alpha)))
			}
		} else if a > m {
			take(SeedsNeeded(a-m, p.SD, alpha, EvaluationPower))
		}
	}
	return best
}

// MinSeedsEquivalence is the fewest seeds with which an equivalence claim
// can be supported at level alpha (α divided by the size of its Holm
// family): as many as the exact sign-flip test needs to reach alpha at all,
// MinSeedsSignFlip(alpha), so that no claim is decided on fewer seeds than a
// superiority claim needs. Without it the t TOST calls two seeds with
// nearly equal differences equivalent.
func MinSeedsEquivalence(alpha float64) int { return MinSeedsSignFlip(alpha) }

// holmAfter is " after Holm over k claims", or "" for one claim.
func holmAfter(family int) string {
	if family > 1 {
		return fmt.Sprintf(" after Holm over %d claims", family)
	}
	return ""
}
