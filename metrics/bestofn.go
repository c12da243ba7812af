package metrics

import (
	"fmt"
	"math"
	"math/bits"
	"slices"

	"gapbench/datasets"
	"gapbench/internal/vmath"
	"gapbench/model"
)

// ScoreTable is a reward's score of every completion of some prompts, with the
// order in which Best-of-N ranks each prompt's completions: by increasing score,
// ties by index. It is read-only once made, so runs that evaluate the same
// reward model may share one.
type ScoreTable struct {
	space  model.Space
	scores [][]float64 // by prompt ID; nil for prompts not in the table
	order  [][]int32   // by prompt ID: completion indices, lowest score first
}

// NewScoreTable scores every completion of each prompt: fill(p, out) writes the
// score of completion i of prompt p into out[i] (len V^H).
func NewScoreTable(w *datasets.World, prompts []int, fill func(p int, out []float64)) *ScoreTable {
	n := w.Space.Size()
	t := &ScoreTable{space: w.Space, scores: make([][]float64, len(w.Prompts)), order: make([][]int32, len(w.Prompts))}
	flat := make([]float64, n*len(prompts))
	idx := make([]int32, n*len(prompts))
	keys := make([]rankKey, 2*n)
	for k, p := range prompts {
		if t.scores[p] != nil {
			continue
		}
		s := flat[k*n : (k+1)*n : (k+1)*n]
		fill(p, s)
		o := idx[k*n : (k+1)*n : (k+1)*n]
		rank(s, o, keys)
		t.scores[p], t.order[p] = s, o
	}
	return t
}

// rankKey is a completion's score, as an unsigned integer in the order of the
// scores, and its index.
type rankKey struct {
	k uint64
	i int32
}

// rank writes into o the completion indices ordered as sort.SliceStable orders
// them by s[a] < s[b]: by increasing score, ties by index. Without NaNs that is
// the order of a stable radix sort of the scores' order-preserving integer
// images (−0 and +0 both map to +0's); with NaNs, for which < is not an order,
// it runs the same stable algorithm as sort.SliceStable (slices.SortStableFunc)
// with the same comparisons. keys holds 2·len(s) scratch values.
func rank(s []float64, o []int32, keys []rankKey) {
	n := len(s)
	src, dst := keys[:n], keys[n:2*n]
	nan := false
	for i, x := range s {
		o[i] = int32(i)
		b := math.Float64bits(x + 0) // −0 + 0 = +0
		if b>>63 == 1 {
			b = ^b
		} else {
			b |= 1 << 63
		}
		src[i] = rankKey{b, int32(i)}
		nan = nan || x != x
	}
	if nan {
		slices.SortStableFunc(o, func(a, b int32) int {
			if s[a] < s[b] {
				return -1
			}
			return 0
		})
		return
	}
	var count [256]int
	for shift := uint(0); shift < 64; shift += 8 {
		clear(count[:])
		for _, k := range src {
			count[byte(k.k>>shift)]++
		}
		if count[byte(src[0].k>>shift)] == n {
			continue // every key has this digit
		}
		sum := 0
		for d, c := range count {
			count[d] = sum
			sum += c
		}
		for _, k := range src {
			d := byte(k.k >> shift)
			dst[count[d]] = k
			count[d]++
		}
		src, dst = dst, src
	}
	for j, k := range src {
		o[j] = k.i
	}
}

// TableOf scores every completion of each prompt with r.
func TableOf(w *datasets.World, r Scorer, prompts []int) *ScoreTable {
	y := make([]int, w.Space.H)
	return NewScoreTable(w, prompts, func(p int, out []float64) {
		x := w.Prompts[p].Input
		for i := range out {
			w.Space.Decode(i, y)
			out[i] = r(x, y)
		}
	})
}

// Scores returns the scores of prompt p's completions, indexed like the
// completion space; the caller must not change them.
func (t *ScoreTable) Scores(p int) []float64 {
	if p < 0 || p >= len(t.scores) || t.scores[p] == nil {
		panic(fmt.Sprintf("metrics: the score table has no prompt %d", p))
	}
	return t.scores[p]
}

// Scorer looks scores up in the table; it panics for a prompt not in the table.
func (t *ScoreTable) Scorer() Scorer {
	return func(x model.Input, y []int) float64 { return t.Scores(x.ID)[t.space.Encode(y)] }
}

// BestOfN returns, for each n in ns, the expected gold reward of the completion a
// scorer ranks highest among n independent samples from π, averaged over prompts.
// It is exact: with completions sorted by score (ties broken by index),
// P(best of n = y) = F(y)^n − F(y⁻)^n where F is π's cumulative mass in that order.
func BestOfN(w *datasets.World, pi model.Policy, r Scorer, prompts []int, ns []int) []float64 {
	return BestOfNTable(w, pi, TableOf(w, r, prompts), prompts, ns)
}

// BestOfNTable is BestOfN with the scores from a table that holds every prompt.
// Its results are bit-identical to BestOfN's.
func BestOfNTable(w *datasets.World, pi model.Policy, t *ScoreTable, prompts []int, ns []int) []float64 {
	n := w.Space.Size()
	lp := make([]float64, n)
	q := make([]float64, n)
	out := make([]float64, len(ns))
	e := make([]float64, len(ns))
	p0 := make([]float64, len(ns))
	// The set bits of each N, lowest first: F^N is the product of the squares
	// F^(2^b) of those bits, in that order, as math.Pow multiplies them.
	maxN := 1
	nbits := make([][]int, len(ns))
	for j, k := range ns {
		maxN = max(maxN, k)
		for b := 0; k > 0 && b < bits.UintSize; b++ {
			if uint(k)>>b&1 == 1 {
				nbits[j] = append(nbits[j], b)
			}
		}
	}
	sq := make([]float64, bits.Len(uint(maxN)))
	for _, p := range prompts {
		t.Scores(p)
		order, gold := t.order[p], w.Gold[p]
		pi.Enumerate(w.Prompts[p].Input, lp)
		for j, i := range order {
			q[j] = lp[i]
		}
		vmath.ExpTo(q, q)
		for j, k := range ns {
			e[j], p0[j] = 0, powInt(0, k, nil)
		}
		f0 := 0.0
		for j, i := range order {
			f1 := f0 + q[j]
			// F^N by square-and-multiply, the squarings shared by every N.
			sq[0] = f1
			for b := 1; b < len(sq); b++ {
				sq[b] = sq[b-1] * sq[b-1]
			}
			normal := f1 >= 0x1p-1022 && f1 <= 2
			g := gold[i]
			for m, k := range ns {
				var p1 float64
				if normal && k >= 1 {
					p1 = 1.0
					for _, b := range nbits[m] {
						p1 *= sq[b]
					}
					if p1 < 0x1p-1022 || p1 > math.MaxFloat64 {
						p1 = math.Pow(f1, float64(k))
					}
				} else {
					p1 = powInt(f1, k, nil)
				}
				e[m] += (p1 - p0[m]) * g
				p0[m] = p1
			}
			f0 = f1
		}
		for j := range out {
			out[j] += e[j]
		}
	}
	for j := range out {
		out[j] /= float64(len(prompts))
	}
	return out
}

// powInt returns math.Pow(x, k), bit for bit, for an integer k. With sq[b] =
// x^(2^b) by repeated squaring (or nil), it multiplies the squares of k's set
// bits, lowest first, as math.Pow does; math.Pow keeps the mantissa and the
// exponent apart, and scaling by powers of two is exact, so the plain product
// is the same number whenever it and its factors are normal. Otherwise (k < 1,
// x not in the normal range above 0, or a product that underflows) it calls
// math.Pow.
func powInt(x float64, k int, sq []float64) float64 {
	if k < 1 || !(x >= 0x1p-1022) || x > 2 || bits.Len(uint(k)) > len(sq) {
		return math.Pow(x, float64(k))
	}
	a := 1.0
	for b, i := 0, k; i != 0; b, i = b+1, i>>1 {
		if i&1 == 1 {
			a *= sq[b]
		}
	}
	if a < 0x1p-1022 || a > math.MaxFloat64 {
		return math.Pow(x, float64(k))
	}
	return a
}
