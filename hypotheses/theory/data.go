package theory

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/floats"
)

// prefGraph is a preference dataset with its comparison graph: comp[ξ] is
// the connected component of trajectory ξ (−1 when no comparison touches ξ)
// and members lists each component's trajectories.
type prefGraph struct {
	data    prefData
	comp    []int
	members [][]int
}

// edgeCounts is one edge of the comparison graph: how often i beat j and j beat i.
type edgeCounts struct {
	i, j     int
	cij, cji float64
}

// genPrefData draws a preference dataset on t. For each prompt it picks
// touched trajectories at random (all when touched = 0), splits them into
// components groups of near-equal size, joins each group by a random spanning
// tree plus extraEdges random edges per prompt inside groups, and gives every
// edge one observation in each order (so every component is strongly
// connected and both MLEs are finite) plus labels Bradley–Terry labels drawn
// from the gold reward. Sizes are validated by the caller.
func genPrefData(t *tree, rng *rand.Rand, touched, components, extraEdges, labels int, gold []float64) *prefGraph {
	if touched == 0 {
		touched = t.leaves
	}
	g := &prefGraph{comp: make([]int, t.numTraj())}
	for i := range g.comp {
		g.comp[i] = -1
	}
	var edges []edgeCounts
	index := map[[2]int]int{}
	addEdge := func(i, j int) {
		if i > j {
			i, j = j, i
		}
		k, ok := index[[2]int{i, j}]
		if !ok {
			k = len(edges)
			index[[2]int{i, j}] = k
			edges = append(edges, edgeCounts{i: i, j: j, cij: 1, cji: 1})
		}
		e := &edges[k]
		for range labels {
			if rng.Float64() < sigmoid(gold[e.i]-gold[e.j]) {
				e.cij++
			} else {
				e.cji++
			}
		}
	}
	for p := range t.prompts {
		perm := rng.Perm(t.leaves)[:touched]
		groups := make([][]int, components)
		for k, leaf := range perm {
			groups[k%components] = append(groups[k%components], p*t.leaves+leaf)
		}
		for _, grp := range groups {
			id := len(g.members)
			g.members = append(g.members, grp)
			for k, xi := range grp {
				g.comp[xi] = id
				if k > 0 {
					addEdge(xi, grp[rng.IntN(k)])
				}
			}
		}
		for range extraEdges {
			grp := groups[rng.IntN(components)]
			a := rng.IntN(len(grp))
			b := rng.IntN(len(grp) - 1)
			if b >= a {
				b++
			}
			addEdge(grp[a], grp[b])
		}
	}
	for _, e := range edges {
		g.data.comps = append(g.data.comps,
			comparison{win: e.i, lose: e.j, count: e.cij},
			comparison{win: e.j, lose: e.i, count: e.cji})
		g.data.total += e.cij + e.cji
	}
	return g
}

// klTieBreak maps a reward v (an MLE reward r̂, or a DPO policy's implicit
// reward β·log(P/P_ref)) to the canonical member of its class of rewards with
// the same differences inside every component of the comparison graph: 0 on
// trajectories the data never touch, and on each component C, v − E_{q_C}[v]
// with q_C ∝ P_ref·exp(v/β) restricted to C. Its soft-optimal policy is the
// policy closest to π_ref in KL(P_π ‖ P_ref) among all policies whose implicit
// reward has v's differences inside every component — by Lagrange, that
// minimiser puts P_π ∝ P_ref off the data and gives each component mass
// ∝ P_ref(C)·exp(−KL(q_C ‖ P_ref(·|C))), which is what this reward induces.
// That set is convex and KL is strictly convex, so the tie-break is unique.
func klTieBreak(g *prefGraph, v, refLogP []float64, beta float64) []float64 {
	out := make([]float64, len(v))
	x := make([]float64, 0, len(v))
	for _, mem := range g.members {
		x = x[:0]
		for _, xi := range mem {
			x = append(x, refLogP[xi]+v[xi]/beta)
		}
		lz := floats.LogSumExp(x)
		mean := 0.0
		for k, xi := range mem {
			mean += math.Exp(x[k]-lz) * v[xi]
		}
		for _, xi := range mem {
			out[xi] = v[xi] - mean
		}
	}
	return out
}
