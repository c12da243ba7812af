// Package robustness asks whether the study's verdicts are properties of the
// hypotheses or of the defaults it was run at. It declares a grid of world and
// recipe dials (number of pairs, Bradley–Terry temperature, β, policy and teacher
// width, pair distribution, vocabulary × horizon), varied one at a time around
// the default; plans the runs of every suite's deciding claims at every grid
// point with the same seeds; and turns the finished runs into a verdict-stability
// table: for each deciding claim, protocol and dial value, Δ with its interval and
// the verdict, and per hypothesis whether the verdict holds across the grid,
// flips at named dial values, or is inconclusive at a named share of points.
//
// Grid points are descriptive. Each point is judged exactly like the report of
// record — Holm's correction within that point's family of deciding claims — and
// the stability table claims no significance of its own across points.
//
// Find reads back the grid a results store holds (its budget, seeds,
// protocols and complete points, and what it leaves out) without computing
// anything, for the report of record's robustness section.
//
// It is not for running (package runner runs the jobs it lists) or rendering
// (package reports draws its tables and figures).
package robustness

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"gapbench/datasets"
	"gapbench/recipe"
)

// Dial is one setting of the world or the recipe that the grid varies, with the
// config paths it moves, its grid of values and the range of values it accepts.
type Dial struct {
	Name   string   // short name used on the command line: pairs, tau, …
	Doc    string   // what it varies, in a few words
	Paths  []string // config paths the dial sets (all of them, to the same value)
	Values []string // the grid: values run by default, in increasing order
	Range  string   // the accepted values, in words
	// Optional dials run only when named with --dial, not in the default grid.
	Optional bool
	parse    func(v string) (recipe.Diff, error)
}

// Diff returns the change to the base config that sets the dial to v, or an
// error naming the dial and the value when v is outside the dial's range.
func (d Dial) Diff(v string) (recipe.Diff, error) {
	diff, err := d.parse(v)
	if err != nil {
		return nil, fmt.Errorf("dial %s: value %q is outside its range (%s)", d.Name, v, d.Range)
	}
	return diff, nil
}

// Dials is the robustness grid, in report order. Every dial but the pair
// distribution spans at least a factor of 4 over at least three values around
// the default world (V = 8, H = 4, 256 pairs, τ = 1, β = 0.1, width 64, teacher
// width 128, pairs drawn from π_ref). One two-dial interaction, pairs × β, runs
// the four corners of those two grids.
//
// The β dial moves dpo.beta and eval.beta together. dpo.beta is the KL
// regulariser of every preference-trained arm (offline DPO, online DPO and the
// DPO implicit reward that local labellers and H5 read); eval.beta is the β of
// the target π*_β ∝ π_ref·exp(r*/β) against which the regularised
// suboptimality is measured. Varying β asks "do the verdicts hold for another
// KL-regularised problem?", and that problem's optimum moves with β; keeping
// eval.beta at 0.1 would measure every arm against a target none of them
// optimises. No deciding claim is stated on subopt, so the choice changes no
// verdict, only the context metrics.
//
// The vocabulary × horizon dial keeps every world exactly enumerable at the
// default's cost: V^H = 4,096 completions per prompt at 4×6, 8×4 and 16×3.
var Dials = []Dial{
	pairsDial(),
	floatDial("tau", "Bradley–Terry temperature τ of the labeller", []string{"world.tau"}, []string{"0.5", "1", "2"}, 0.125, 8),
	betaDial(),
	intDial("width", "policy width (the backbone RM scales with it)", "policy.width", []string{"32", "64", "128"}, 8, 256),
	intDial("teacher", "teacher (human writer) width", "world.teacher_width", []string{"64", "128", "256"}, 16, 512),
	pairDistDial(),
	vhDial(),
	pairsBetaDial(),
}

// GetDial returns the dial with that name.
func GetDial(name string) (Dial, error) {
	for _, d := range Dials {
		if d.Name == name {
			return d, nil
		}
	}
	names := make([]string, len(Dials))
	for i, d := range Dials {
		names[i] = d.Name
	}
	return Dial{}, fmt.Errorf("--dial must name one of %s, got %q", strings.Join(names, ", "), name)
}

func pairsDial() Dial {
	return intDial("pairs", "number of preference pairs", "world.pairs", []string{"128", "256", "1024"}, 16, 4096)
}

func betaDial() Dial {
	return floatDial("beta", "β of the KL-regularised objective (training and evaluation)", []string{"dpo.beta", "eval.beta"}, []string{"0.05", "0.1", "0.3"}, 0.01, 1)
}

func intDial(name, doc, path string, values []string, lo, hi int) Dial {
	return Dial{Name: name, Doc: doc, Paths: []string{path}, Values: values,
		Range: fmt.Sprintf("an integer in [%d, %d]", lo, hi),
		parse: func(v string) (recipe.Diff, error) {
			n, err := strconv.Atoi(v)
			if err != nil || n < lo || n > hi {
				return nil, fmt.Errorf("out of range")
			}
			return recipe.Diff{path: n}, nil
		}}
}

func floatDial(name, doc string, paths, values []string, lo, hi float64) Dial {
	return Dial{Name: name, Doc: doc, Paths: paths, Values: values,
		Range: fmt.Sprintf("a number in [%g, %g]", lo, hi),
		parse: func(v string) (recipe.Diff, error) {
			x, err := strconv.ParseFloat(v, 64)
			if err != nil || math.IsNaN(x) || x < lo || x > hi {
				return nil, fmt.Errorf("out of range")
			}
			d := recipe.Diff{}
			for _, p := range paths {
				d[p] = x
			}
			return d, nil
		}}
}

func pairDistDial() Dial {
	return Dial{Name: "pair_dist", Doc: "distribution μ the pairs are drawn from", Paths: []string{"world.pair_dist"},
		Values: []string{datasets.PairsRef, datasets.PairsUniform},
		Range:  "one of " + strings.Join(datasets.PairDists, ", "),
		parse: func(v string) (recipe.Diff, error) {
			if !slices.Contains(datasets.PairDists, v) {
				return nil, fmt.Errorf("out of range")
			}
			return recipe.Diff{"world.pair_dist": v}, nil
		}}
}

// maxCompletions bounds V^H so that every grid world stays enumerable at the
// default world's cost.
const maxCompletions = 4096

func vhDial() Dial {
	return Dial{Name: "vh", Doc: "vocabulary V × horizon H of the summaries (V^H completions per prompt)",
		Paths: []string{"world.v", "world.h"}, Values: []string{"4x6", "8x4", "16x3"},
		Range: fmt.Sprintf("VxH with V in [2, 16], H in [1, 6] and V^H <= %d", maxCompletions),
		parse: func(s string) (recipe.Diff, error) {
			a, b, ok := strings.Cut(s, "x")
			v, errV := strconv.Atoi(a)
			h, errH := strconv.Atoi(b)
			if !ok || errV != nil || errH != nil || v < 2 || v > 16 || h < 1 || h > 6 || math.Pow(float64(v), float64(h)) > maxCompletions {
				return nil, fmt.Errorf("out of range")
			}
			return recipe.Diff{"world.v": v, "world.h": h}, nil
		}}
}

// pairsBetaDial is the two-dial interaction pairs × β: the four corners of the
// two grids, to see whether a verdict's dependence on the data size changes
// with the strength of the KL regulariser. It sets what the pairs and beta
// dials set.
func pairsBetaDial() Dial {
	pairs, beta := pairsDial(), betaDial()
	return Dial{Name: "pairs_beta", Doc: "interaction: number of pairs / β, the corners of both grids",
		Paths:  append(slices.Clone(pairs.Paths), beta.Paths...),
		Values: []string{"128/0.05", "128/0.3", "1024/0.05", "1024/0.3"},
		Range:  "P/B with P accepted by pairs and B by beta",
		parse: func(v string) (recipe.Diff, error) {
			p, b, ok := strings.Cut(v, "/")
			if !ok {
				return nil, fmt.Errorf("out of range")
			}
			dp, err := pairs.parse(p)
			if err != nil {
				return nil, err
			}
			db, err := beta.parse(b)
			if err != nil {
				return nil, err
			}
			maps.Copy(dp, db)
			return dp, nil
		}}
}

// Point is one grid point: the default (Dial == "") or one dial at one value.
type Point struct {
	Dial  string
	Value string
	Diff  recipe.Diff // the change to the budget's base config; empty at the default
}

// Label names the point: "default" or "dial=value".
func (p Point) Label() string {
	if p.Dial == "" {
		return "default"
	}
	return p.Dial + "=" + p.Value
}

// Select turns --dial specs into grid points, the default first. A spec is a
// dial name (its whole grid) or name=v1,v2 (those values, each checked against
// the dial's range). No specs select every dial's grid. Within a dial, values
// keep the order given; dials keep the grid's order.
func Select(specs []string) ([]Point, error) {
	chosen := map[string][]string{}
	for _, spec := range specs {
		name, vals, hasVals := strings.Cut(spec, "=")
		d, err := GetDial(strings.TrimSpace(name))
		if err != nil {
			return nil, err
		}
		if !hasVals {
			chosen[d.Name] = append(chosen[d.Name], d.Values...)
			continue
		}
		for _, v := range strings.Split(vals, ",") {
			v = strings.TrimSpace(v)
			if v == "" {
				return nil, fmt.Errorf("--dial %q: empty value", spec)
			}
			chosen[d.Name] = append(chosen[d.Name], v)
		}
	}
	points := []Point{{Diff: recipe.Diff{}}}
	for _, d := range Dials {
		vals, ok := chosen[d.Name]
		if len(specs) == 0 && !d.Optional {
			vals, ok = d.Values, true
		}
		if !ok {
			continue
		}
		seen := map[string]bool{}
		for _, v := range vals {
			if seen[v] {
				continue
			}
			seen[v] = true
			diff, err := d.Diff(v)
			if err != nil {
				return nil, err
			}
			points = append(points, Point{Dial: d.Name, Value: v, Diff: diff})
		}
	}
	return points, nil
}
