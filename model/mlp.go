package model

import (
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"

	"gonum.org/v1/gonum/floats"

	"gapbench/internal/vmath"
)

// trunk is the embedding-sum ReLU network shared by the mlp policy and the
// backbone reward model. Its pre-activation at position t (0 <= t <= H) is
//
//	a_t = Wx·bag(x) + b + Epos[t] + Σ_{j<t} Etok[j, y_j]
//
// and its hidden state is h_t = relu(a_t). Parameters are views into one flat
// slice: wx (P×D, a row per prompt symbol), b (D), epos ((H+1)×D), etok (H×V×D).
type trunk struct {
	sp         Space
	p, d       int
	wx, b      []float64
	epos, etok []float64
}

func trunkSize(sp Space, p, d int) int { return p*d + d + (sp.H+1)*d + sp.H*sp.V*d }

// bind points the trunk's views at params[0:trunkSize].
func (tr *trunk) bind(params []float64) {
	d := tr.d
	o := 0
	take := func(n int) []float64 { s := params[o : o+n : o+n]; o += n; return s }
	tr.wx = take(tr.p * d)
	tr.b = take(d)
	tr.epos = take((tr.sp.H + 1) * d)
	tr.etok = take(tr.sp.H * tr.sp.V * d)
}

// base writes Wx·bag(x) + b into out.
func (tr *trunk) base(x Input, out []float64) {
	copy(out, tr.b)
	d := tr.d
	for _, f := range x.Bag {
		axpyVec(out[:d], f.Value, tr.wx[f.Index*d:f.Index*d+d])
	}
}

// baseGrad adds dbase into the gradients of wx and b (views into grad at the same offsets).
func (tr *trunk) baseGrad(x Input, dbase, gwx, gb []float64) {
	d := tr.d
	addVec(gb[:len(dbase)], gb, dbase)
	for _, f := range x.Bag {
		axpyVec(gwx[f.Index*d:f.Index*d+len(dbase)], f.Value, dbase)
	}
}

// MLP is the autoregressive embedding-sum ReLU policy:
// logits_t = Wo·h_t + bo with h_t the trunk's hidden state at position t.
//
// Score, Forward, Sample and Enumerate use the same kernels (see kernels.go) and
// the same order of floating-point operations, and agree bit for bit. They also
// reproduce the original dense implementation (refScore in the tests) bit for
// bit: skipping an inactive unit only drops an exact zero from a sum.
type MLP struct {
	trunk
	params []float64
	wot    []float64 // output weights, transposed: D×V
	bo     []float64 // V
	words  int       // active-unit mask words per position

	// scratch
	tp       mlpTape   // Score's own tape
	logits   []float64 // V
	dl       []float64 // V output-layer gradient
	acc      []float64 // D
	cum, sd  []float64 // D
	a        []float64 // D pre-activation
	mask     []uint64  // words
	enumAcc  []float64 // H×D
	enumLsm  []float64 // H×V
	ex       []float64 // max(V, H)×V exps (lseRows)
	rowLse   []float64 // V log-normalisers (lseRows)
	rowSum   []float64 // max(V, H) sums (lseRows)
	leafA    []float64 // V×D: Enumerate's leaf pre-activations
	leafMask []uint64  // V: their active units (D <= 64)
}

// mlpTape is the MLP's Tape: what a forward pass leaves for the backward pass.
type mlpTape struct {
	m    *MLP
	bag  []Feature
	y    []int     // H
	a    []float64 // H×D pre-activations
	mask []uint64  // H×words active units
	lg   []float64 // H×V logits
	lse  []float64 // H log-normalisers
}

func (*mlpTape) tape() {}

func (m *MLP) initTape(tp *mlpTape) {
	d, v, h := m.d, m.sp.V, m.sp.H
	*tp = mlpTape{m: m, y: make([]int, h), a: make([]float64, h*d),
		mask: make([]uint64, h*m.words), lg: make([]float64, h*v), lse: make([]float64, h)}
}

type mlpGrad struct{ wx, b, epos, etok, wot, bo []float64 }

// MLPInit sets the scale of a random MLP initialisation.
type MLPInit struct {
	In  float64 // standard deviation of Wx, Epos and Etok entries
	Out float64 // standard deviation of the logits at initialisation (Wo entries are Out/sqrt(D/2))
}

// NewMLP returns an mlp policy over sp for prompts with p symbols and hidden width d,
// initialised from rng.
func NewMLP(sp Space, p, d int, init MLPInit, rng *rand.Rand) *MLP {
	if err := sp.Validate(); err != nil {
		panic("model: " + err.Error())
	}
	if p < 1 || d < 1 {
		panic(fmt.Sprintf("model: NewMLP needs p, d >= 1, got %d, %d", p, d))
	}
	m := newMLP(sp, p, d)
	normal(rng, m.wx, init.In)
	normal(rng, m.epos, init.In)
	normal(rng, m.etok, init.In)
	normal(rng, m.wot, init.Out/math.Sqrt(float64(d)/2))
	return m
}

func mlpSize(sp Space, p, d int) int { return trunkSize(sp, p, d) + d*sp.V + sp.V }

func newMLP(sp Space, p, d int) *MLP {
	m := &MLP{trunk: trunk{sp: sp, p: p, d: d}, words: maskWords(d)}
	m.params = make([]float64, mlpSize(sp, p, d))
	m.bind()
	h, v := sp.H, sp.V
	m.initTape(&m.tp)
	m.logits = make([]float64, v)
	m.dl = make([]float64, v)
	m.acc = make([]float64, d)
	m.cum = make([]float64, d)
	m.sd = make([]float64, d)
	m.a = make([]float64, d)
	m.mask = make([]uint64, m.words)
	m.enumAcc = make([]float64, h*d)
	m.enumLsm = make([]float64, h*v)
	m.ex = make([]float64, max(v, h)*v) // V rows (Enumerate) or H (forward)
	m.rowLse = make([]float64, v)
	m.rowSum = make([]float64, max(v, h))
	m.leafA = make([]float64, v*d)
	m.leafMask = make([]uint64, v)
	return m
}

func (m *MLP) bind() {
	m.trunk.bind(m.params)
	o := trunkSize(m.sp, m.p, m.d)
	m.wot = m.params[o : o+m.d*m.sp.V : o+m.d*m.sp.V]
	o += m.d * m.sp.V
	m.bo = m.params[o : o+m.sp.V : o+m.sp.V]
}

// gradViews returns views of grad laid out like params.
func (m *MLP) gradViews(grad []float64) mlpGrad {
	if len(grad) != len(m.params) {
		panic(fmt.Sprintf("model: gradient has %d entries, the mlp has %d parameters", len(grad), len(m.params)))
	}
	var tmp = m.trunk
	tmp.bind(grad)
	o := trunkSize(m.sp, m.p, m.d)
	n := m.d * m.sp.V
	return mlpGrad{wx: tmp.wx, b: tmp.b, epos: tmp.epos, etok: tmp.etok,
		wot: grad[o : o+n : o+n], bo: grad[o+n : o+n+m.sp.V : o+n+m.sp.V]}
}

// Space returns the completion space.
func (m *MLP) Space() Space { return m.sp }

// Params returns the flat parameter vector.
func (m *MLP) Params() []float64 { return m.params }

// Width is the hidden width D.
func (m *MLP) Width() int { return m.d }

// PromptDim is the number of prompt symbols P.
func (m *MLP) PromptDim() int { return m.p }

// Normalised is true: Score is log π(y|x).
func (m *MLP) Normalised() bool { return true }

// Clone returns an independent copy.
func (m *MLP) Clone() Policy { return m.CloneMLP() }

// CloneMLP returns an independent copy with the concrete type.
func (m *MLP) CloneMLP() *MLP {
	c := newMLP(m.sp, m.p, m.d)
	copy(c.params, m.params)
	return c
}

// addInto writes a + b into out.
func addInto(out, a, b []float64) { addVec(out, a, b) }

// logitsOf writes Wo·relu(a) + bo into lg (len V), visiting only the active
// units of mask, in increasing order.
func (m *MLP) logitsOf(a []float64, mask []uint64, lg []float64) {
	v := m.sp.V
	lg = lg[:v]
	copy(lg, m.bo)
	k := 0
	for ; k+8 <= v; k += 8 {
		l := (*[8]float64)(lg[k : k+8])
		for w, bm := range mask {
			if bm != 0 {
				gemv8(l, bm, a[w*64:], m.wot[w*64*v+k:], v)
			}
		}
	}
	for ; k+4 <= v; k += 4 {
		l := (*[4]float64)(lg[k : k+4])
		for w, bm := range mask {
			gemv4(l, bm, a[w*64:], m.wot[w*64*v+k:], v)
		}
	}
	for ; k < v; k++ {
		for w, bm := range mask {
			lg[k] = gemv1(lg[k], bm, a[w*64:], m.wot[w*64*v+k:], v)
		}
	}
}

// logSumExp returns floats.LogSumExp(lg), bit for bit, without calling exp for the
// largest entry, whose term exp(0) = 1 is exact.
func logSumExp(lg []float64) float64 {
	m, am := math.Inf(-1), -1
	for k, x := range lg {
		if x > m {
			m, am = x, k
		}
	}
	if math.IsInf(m, 0) {
		return floats.LogSumExp(lg)
	}
	s := 0.0
	for k, x := range lg {
		if k == am {
			s++
		} else {
			s += math.Exp(x - m)
		}
	}
	return m + math.Log(s)
}

// lseRows writes into lse[k] the log-sum-exp of row k of lg (rows of v
// entries), bit-identical to logSumExp of that row: the exps of all rows are
// taken together by vmath.ExpTo, whose values are math.Exp's, and each row's sum
// runs in the same order (the largest entry's term is exp(0) = 1, exactly the
// 1 that logSumExp adds); the logs are taken together by vmath.LogTo, whose
// values are math.Log's on amd64. ex holds len(lg) scratch values and sums one
// per row.
//
// For V = 8 and up to eight rows, vmath.LogSumExpRows8 computes the same values
// in one pass (with AVX-512, the rows in its lanes; under purego and off amd64,
// by its portable twin; other amd64 CPUs decline): the same m (a maximum
// depends on no order; where its m is a zero of the other sign, every value
// below is the same, as for the builtin max), the same e^(x−m) (ExpTo's
// values, bit for bit), summed in the same order from 0, and the same m + log
// s (LogTo's values). It leaves to lseRowsLoops whatever would not go the
// plain way there: rows with a NaN or an infinity (which go to logSumExp) and
// exps off ExpTo's plain path (which it leaves to its twin).
func lseRows(lg []float64, v int, lse, ex, sums []float64) {
	rows := len(lg) / v
	switch {
	case v != 8:
	case rows == 1 || rows == 8:
		if vmath.LogSumExpRows8(lse[:rows], lg[:8*rows]) {
			return
		}
	case rows < 8 && vmath.HasLogSumExpRows8():
		// Fewer rows (forward's H positions) ride in eight lanes, the rest
		// of them zeros; each row's value is the same as alone.
		var pad [64]float64
		var out [8]float64
		copy(pad[:], lg[:8*rows])
		if vmath.LogSumExpRows8(out[:], pad[:]) {
			copy(lse[:rows], out[:rows])
			return
		}
	}
	lseRowsLoops(lg, v, lse, ex, sums)
}

// lseRowsLoops is lseRows without the V = 8 pass: ExpTo and LogTo over all
// rows, the rows' maxima and sums in scalar loops.
func lseRowsLoops(lg []float64, v int, lse, ex, sums []float64) {
	rows := len(lg) / v
	ex = ex[:len(lg)]
	lse = lse[:rows]
	special := false
	for k := range lse {
		row := lg[k*v : k*v+v]
		// The builtin max has no branch to mispredict. Where it differs from
		// logSumExp's "if x > m { m = x }" (a largest entry that is a zero
		// of either sign) every value below is the same; a row with a NaN or
		// an infinity goes to logSumExp itself.
		m := math.Inf(-1)
		for _, x := range row {
			m = max(m, x)
		}
		if math.IsInf(m, 0) || m != m {
			special = true
		}
		lse[k] = m
		e := ex[k*v : k*v+v]
		for j, x := range row {
			e[j] = x - m
		}
	}
	vmath.ExpTo(ex, ex)
	sums = sums[:rows]
	for k := range sums {
		s := 0.0
		for _, e := range ex[k*v : k*v+v] {
			s += e
		}
		sums[k] = s
	}
	vmath.LogTo(sums, sums) // math.Log's values
	for k, m := range lse {
		if special && (math.IsInf(m, 0) || m != m) {
			lse[k] = logSumExp(lg[k*v : k*v+v])
			continue
		}
		lse[k] = m + sums[k]
	}
}

// hidden writes the pre-activation at position t of the sequence y into a and its
// active units into mask. acc holds acc_{t−1} = Wx·bag(x) + b + Σ_{j<t−1}
// Etok[j, y_j] on entry (the base, for t = 0) and acc_t on return.
func (m *MLP) hidden(t int, y []int, acc, a []float64, mask []uint64) {
	d, v := m.d, m.sp.V
	if t > 0 {
		o := ((t-1)*v + y[t-1]) * d
		addInto(acc, acc, m.etok[o:o+d])
	}
	activate(acc, m.epos[t*d:t*d+d], a, mask)
}

// forward runs the network on (x, y), recording on tp, and returns log π(y|x).
func (m *MLP) forward(x Input, y []int, tp *mlpTape) float64 {
	d, v, H, nw := m.d, m.sp.V, m.sp.H, m.words
	y = y[:H]
	tp.bag = x.Bag
	copy(tp.y, y)
	m.base(x, m.acc)
	for t := range y {
		a, mask, lg := tp.a[t*d:t*d+d], tp.mask[t*nw:t*nw+nw], tp.lg[t*v:t*v+v]
		m.hidden(t, y, m.acc, a, mask)
		m.logitsOf(a, mask, lg)
	}
	// The positions' log-normalisers together: one vector exp and one vector
	// log for all of them, each row's value the same as alone.
	lseRows(tp.lg[:H*v], v, tp.lse[:H], m.ex, m.rowSum)
	lp := 0.0
	for t, tok := range y {
		lp += tp.lg[t*v+tok] - tp.lse[t]
	}
	return lp
}

// Score returns log π(y|x) and, when grad is non-nil, adds scale·∇ log π(y|x) to grad.
func (m *MLP) Score(x Input, y []int, grad []float64, scale float64) float64 {
	lp := m.forward(x, y, &m.tp)
	if grad != nil {
		m.backward(&m.tp, grad, scale)
	}
	return lp
}

// NewTape returns a tape for Forward and Backward on this policy. It is bound to
// m (not to a clone) and can be reused for any number of passes.
func (m *MLP) NewTape() Tape {
	tp := new(mlpTape)
	m.initTape(tp)
	return tp
}

// Forward returns Score(x, y, nil, 0) and records the pass on tape (made by
// m.NewTape) for Backward. It keeps a reference to x.Bag, which must not change
// until the Backward; y is copied.
func (m *MLP) Forward(x Input, y []int, tape Tape) float64 {
	return m.forward(x, y, m.ownTape(tape))
}

// Backward adds scale·∇ log π(y|x) to grad for the pass recorded on tape by the
// last Forward; with grad nil it does nothing. The parameters must not have
// changed since that Forward.
func (m *MLP) Backward(tape Tape, grad []float64, scale float64) {
	tp := m.ownTape(tape)
	if grad != nil {
		m.backward(tp, grad, scale)
	}
}

func (m *MLP) ownTape(tape Tape) *mlpTape {
	tp, ok := tape.(*mlpTape)
	if !ok || tp.m != m {
		panic("model: the tape was not made by this mlp's NewTape")
	}
	return tp
}

func (m *MLP) backward(tp *mlpTape, grad []float64, scale float64) {
	g := m.gradViews(grad)
	d, v, H, nw := m.d, m.sp.V, m.sp.H, m.words
	// cum accumulates Σ_{s>=t} ∂/∂a_s: the gradient of the token embedding at t−1
	// and, once t = 0, of the prompt term.
	cum := m.cum
	clear(cum)
	dl := m.dl[:v]
	gbo := g.bo[:v]
	for t := H - 1; t >= 0; t-- {
		// dlogits = scale·(onehot(y_t) − softmax).
		lse := tp.lse[t]
		for k, l := range tp.lg[t*v : t*v+v] {
			dl[k] = l - lse
		}
		vmath.ExpTo(dl, dl)
		for k, e := range dl {
			dl[k] = -scale * e
		}
		dl[tp.y[t]] += scale
		for k, q := range dl {
			gbo[k] += q
		}
		a, mask := tp.a[t*d:t*d+d], tp.mask[t*nw:t*nw+nw]
		m.backUnits(a, mask, dl, g.wot, m.sd)
		gep := g.epos[t*d : t*d+d]
		for w, bm := range mask {
			for bm != 0 {
				i := w*64 + bits.TrailingZeros64(bm)
				bm &= bm - 1
				s := m.sd[i]
				gep[i] += s
				cum[i] += s
			}
		}
		if t > 0 {
			o := ((t-1)*v + tp.y[t-1]) * d
			get := g.etok[o : o+d]
			addVec(get, get, cum)
		}
	}
	m.baseGrad(Input{Bag: tp.bag}, cum, g.wx, g.b)
}

// backUnits adds h_i·dl into the output-weight gradient rows of the active units
// (h = relu(a)) and writes ∂/∂a_i = Wo_i·dl into sd[i] for each of them, summed
// from 0 in the order k = 0, 1, … like the original.
func (m *MLP) backUnits(a []float64, mask []uint64, dl, gwot, sd []float64) {
	v := len(dl)
	wot := m.wot
	k := 0
	for ; k+8 <= v; k += 8 {
		q := (*[8]float64)(dl[k : k+8])
		for w, bm := range mask {
			if bm != 0 {
				backUnits8(bm, a[w*64:], wot[w*64*v+k:], gwot[w*64*v+k:], q, sd[w*64:], v, k == 0)
			}
		}
	}
	for ; k+4 <= v; k += 4 {
		q := dl[k : k+4 : k+4]
		q0, q1, q2, q3 := q[0], q[1], q[2], q[3]
		for w, bm := range mask {
			for bm != 0 {
				i := w*64 + bits.TrailingZeros64(bm)
				bm &= bm - 1
				o := i*v + k
				row := wot[o : o+4 : o+4]
				gr := gwot[o : o+4 : o+4]
				h := a[i]
				gr[0] += h * q0
				gr[1] += h * q1
				gr[2] += h * q2
				gr[3] += h * q3
				s := 0.0
				if k > 0 {
					s = sd[i]
				}
				s += row[0] * q0
				s += row[1] * q1
				s += row[2] * q2
				s += row[3] * q3
				sd[i] = s
			}
		}
	}
	for ; k < v; k++ {
		q := dl[k]
		for w, bm := range mask {
			for bm != 0 {
				i := w*64 + bits.TrailingZeros64(bm)
				bm &= bm - 1
				o := i*v + k
				gwot[o] += a[i] * q
				if k == 0 {
					sd[i] = 0
				}
				sd[i] += wot[o] * q
			}
		}
	}
}

// Enumerate writes log π(y|x) for every completion into out (len V^H) by a
// depth-first walk of the prefix tree: V^(H-1)+…+1 hidden-state evaluations.
// Every value is bit-identical to Score's.
func (m *MLP) Enumerate(x Input, out []float64) {
	d, v := m.d, m.sp.V
	out = out[:m.sp.Size()]
	acc := m.enumAcc[:d]
	m.base(x, acc)
	lg := m.logits[:v]
	activate(acc, m.epos[:d], m.a, m.mask)
	m.logitsOf(m.a, m.mask, lg)
	if m.sp.H == 1 {
		m.leaves(lg, 0, out)
		return
	}
	m.logSoftmaxWith(lg, m.enumLsm[:v])
	m.children(1, 0, 0, out)
}

// children evaluates the V children, at depth t >= 1, of the prefix node at depth
// t−1 with index node, whose embedding sum is enumAcc[t−1] and whose log-softmax
// is enumLsm[t−1], and recurses into them.
func (m *MLP) children(t, node int, lpPrefix float64, out []float64) {
	d, v, H := m.d, m.sp.V, m.sp.H
	acc := m.enumAcc[(t-1)*d : t*d]
	plsm := m.enumLsm[(t-1)*v : t*v]
	ep := m.epos[t*d : t*d+d]
	a, mask, lg := m.a, m.mask, m.logits[:v]
	ets := m.etok[(t-1)*v*d : t*v*d]
	if t == H-1 {
		// The children are leaves: a = (acc + Etok) + Epos in one pass. Their
		// logits go straight to out, then their log-softmaxes are taken
		// together (their exps in one vector call).
		o := out[node*v*v : (node+1)*v*v]
		if v == 8 && m.words == 1 {
			// Two children at a time, their output sums interleaved.
			la, lm := m.leafA[:v*d], m.leafMask[:v]
			for k := range lm {
				lm[k] = act64x3(acc, ets[k*d:k*d+d], ep, la[k*d:k*d+d])
			}
			for k := 0; k < v; k += 2 {
				l1, l2 := (*[8]float64)(o[k*v:k*v+8]), (*[8]float64)(o[(k+1)*v:(k+1)*v+8])
				*l1, *l2 = [8]float64(m.bo), [8]float64(m.bo)
				gemv8x2(l1, lm[k], la[k*d:], l2, lm[k+1], la[(k+1)*d:], m.wot, v)
			}
		} else {
			for k := range plsm {
				activate3(acc, ets[k*d:k*d+d], ep, a, mask)
				m.logitsOf(a, mask, o[k*v:k*v+v])
			}
		}
		lse := m.rowLse[:v]
		lseRows(o, v, lse, m.ex, m.rowSum)
		for k, l := range plsm {
			lp := lpPrefix + l
			for j, x := range o[k*v : k*v+v] {
				o[k*v+j] = lp + (x - lse[k])
			}
		}
		return
	}
	next := m.enumAcc[t*d : t*d+d]
	lsm := m.enumLsm[t*v : t*v+v]
	for k, l := range plsm {
		addInto(next, acc, ets[k*d:k*d+d])
		activate(next, ep, a, mask)
		m.logitsOf(a, mask, lg)
		m.logSoftmaxWith(lg, lsm)
		m.children(t+1, node*v+k, lpPrefix+l, out)
	}
}

// logSoftmaxWith writes lg − logSumExp(lg) into out: the scalar form of the
// method below, bit-identical to it, for callers without an MLP's scratch.
func logSoftmaxWith(lg, out []float64) {
	lse := logSumExp(lg)
	out = out[:len(lg)]
	for k, l := range lg {
		out[k] = l - lse
	}
}

// leaf writes lpPrefix + log-softmax(lg) into out: the scalar form of
// MLP.leaves, bit-identical to it.
func leaf(lg []float64, lpPrefix float64, out []float64) {
	lse := logSumExp(lg)
	out = out[:len(lg)]
	for k, l := range lg {
		out[k] = lpPrefix + (l - lse)
	}
}

// logSoftmaxWith writes lg − logSumExp(lg) into out (len(lg) <= V).
func (m *MLP) logSoftmaxWith(lg, out []float64) {
	lseRows(lg, len(lg), m.rowLse[:1], m.ex, m.rowSum)
	lse := m.rowLse[0]
	out = out[:len(lg)]
	for k, l := range lg {
		out[k] = l - lse
	}
}

// leaves writes lpPrefix + log-softmax(lg) into out (len(lg) <= V).
func (m *MLP) leaves(lg []float64, lpPrefix float64, out []float64) {
	lseRows(lg, len(lg), m.rowLse[:1], m.ex, m.rowSum)
	lse := m.rowLse[0]
	out = out[:len(lg)]
	for k, l := range lg {
		out[k] = lpPrefix + (l - lse)
	}
}

// Sample draws a completion token by token at the given temperature.
func (m *MLP) Sample(rng *rand.Rand, x Input, temperature float64, y []int) {
	H := m.sp.H
	m.base(x, m.acc)
	for t := 0; t < H; t++ {
		m.hidden(t, y, m.acc, m.a, m.mask)
		m.logitsOf(m.a, m.mask, m.logits)
		y[t] = sampleLogits(rng, m.logits, temperature)
	}
}
