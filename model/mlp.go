package model

import (
	"fmt"
	"math"
	"math/rand/v2"
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
		row := tr.wx[f.Index*d : f.Index*d+d]
		for i, w := range row {
			out[i] += f.Value * w
		}
	}
}

// baseGrad adds dbase into the gradients of wx and b (views into grad at the same offsets).
func (tr *trunk) baseGrad(x Input, dbase, gwx, gb []float64) {
	d := tr.d
	for i, g := range dbase {
		gb[i] += g
	}
	for _, f := range x.Bag {
		row := gwx[f.Index*d : f.Index*d+d]
		for i, g := range dbase {
			row[i] += f.Value * g
		}
	}
}

// MLP is the autoregressive embedding-sum ReLU policy:
// logits_t = Wo·h_t + bo with h_t the trunk's hidden state at position t.
type MLP struct {
	trunk
	params []float64
	wot    []float64 // output weights, transposed: D×V
	bo     []float64 // V

	// scratch
	a, h, lsm []float64 // (H+1)×D pre-activations, H×D hidden, H×V log-softmax
	logits    []float64 // V
	acc, dfut []float64 // D
	da        []float64 // D
	act       []int     // D active-unit offsets
	actv      []float64 // D active-unit values
	grads     mlpGrad
	enumAcc   []float64 // (H+1)×D
	enumLsm   []float64 // H×V
	enumH     []float64 // D
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
	m := &MLP{trunk: trunk{sp: sp, p: p, d: d}}
	m.params = make([]float64, mlpSize(sp, p, d))
	m.bind()
	h, v := sp.H, sp.V
	m.a = make([]float64, (h+1)*d)
	m.h = make([]float64, h*d)
	m.lsm = make([]float64, h*v)
	m.logits = make([]float64, v)
	m.acc = make([]float64, d)
	m.dfut = make([]float64, d)
	m.da = make([]float64, d)
	m.enumAcc = make([]float64, (h+1)*d)
	m.enumLsm = make([]float64, h*v)
	m.enumH = make([]float64, d)
	return m
}

func (m *MLP) bind() {
	m.trunk.bind(m.params)
	o := trunkSize(m.sp, m.p, m.d)
	m.wot = m.params[o : o+m.d*m.sp.V : o+m.d*m.sp.V]
	o += m.d * m.sp.V
	m.bo = m.params[o : o+m.sp.V : o+m.sp.V]
}

// bindGrad sets views of grad laid out like params.
func (m *MLP) bindGrad(grad []float64) {
	var tmp trunk = m.trunk
	tmp.bind(grad)
	o := trunkSize(m.sp, m.p, m.d)
	m.grads = mlpGrad{wx: tmp.wx, b: tmp.b, epos: tmp.epos, etok: tmp.etok,
		wot: grad[o : o+m.d*m.sp.V], bo: grad[o+m.d*m.sp.V : o+m.d*m.sp.V+m.sp.V]}
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

// logitsAt writes Wo·relu(a) + bo into m.logits, storing relu(a) into h. It is
// dense and branch-free (inactive units contribute exact zeros), accumulating
// eight (then four) logits at a time in registers: sign patterns of a are close to random,
// so skipping inactive units costs more in branch mispredictions than it saves.
func (m *MLP) logitsAt(a, h []float64) {
	v := m.sp.V
	h = h[:len(a)]
	for i, ai := range a {
		h[i] = max(ai, 0)
	}
	lg := m.logits[:v]
	wot := m.wot
	k := 0
	for ; k+8 <= v; k += 8 {
		b := m.bo[k : k+8 : k+8]
		l0, l1, l2, l3, l4, l5, l6, l7 := b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]
		o := k
		for _, x := range h {
			row := wot[o : o+8 : o+8]
			l0 += x * row[0]
			l1 += x * row[1]
			l2 += x * row[2]
			l3 += x * row[3]
			l4 += x * row[4]
			l5 += x * row[5]
			l6 += x * row[6]
			l7 += x * row[7]
			o += v
		}
		out := lg[k : k+8 : k+8]
		out[0], out[1], out[2], out[3], out[4], out[5], out[6], out[7] = l0, l1, l2, l3, l4, l5, l6, l7
	}
	for ; k+4 <= v; k += 4 {
		l0, l1, l2, l3 := m.bo[k], m.bo[k+1], m.bo[k+2], m.bo[k+3]
		o := k
		for _, x := range h {
			row := wot[o : o+4 : o+4]
			l0 += x * row[0]
			l1 += x * row[1]
			l2 += x * row[2]
			l3 += x * row[3]
			o += v
		}
		lg[k], lg[k+1], lg[k+2], lg[k+3] = l0, l1, l2, l3
	}
	for ; k < v; k++ {
		l := m.bo[k]
		for i, x := range h {
			l += x * wot[i*v+k]
		}
		lg[k] = l
	}
}

// Score returns log π(y|x) and, when grad is non-nil, adds scale·∇ log π(y|x) to grad.
func (m *MLP) Score(x Input, y []int, grad []float64, scale float64) float64 {
	d, v, H := m.d, m.sp.V, m.sp.H
	m.base(x, m.acc)
	lp := 0.0
	for t := 0; t < H; t++ {
		a := m.a[t*d : t*d+d]
		ep := m.epos[t*d : t*d+d]
		for i := range a {
			a[i] = m.acc[i] + ep[i]
		}
		m.logitsAt(a, m.h[t*d:t*d+d])
		lsm := m.lsm[t*v : t*v+v]
		logSoftmaxInto(m.logits, lsm)
		lp += lsm[y[t]]
		if t+1 < H {
			et := m.etok[(t*v+y[t])*d : (t*v+y[t])*d+d]
			for i := range m.acc {
				m.acc[i] += et[i]
			}
		}
	}
	if grad != nil {
		m.backward(x, y, grad, scale)
	}
	return lp
}

func (m *MLP) backward(x Input, y []int, grad []float64, scale float64) {
	m.bindGrad(grad)
	g := &m.grads
	d, v, H := m.d, m.sp.V, m.sp.H
	clear(m.dfut)
	dbase := m.acc // reuse: forward is done
	clear(dbase)
	for t := H - 1; t >= 0; t-- {
		lsm := m.lsm[t*v : t*v+v]
		h := m.h[t*d : t*d+d]
		// dlogits = scale·(onehot(y_t) − softmax), kept in m.logits.
		dl := m.logits[:v]
		for k := range dl {
			dl[k] = -scale * math.Exp(lsm[k])
		}
		dl[y[t]] += scale
		for k, q := range dl {
			g.bo[k] += q
		}
		da := m.da
		for i, hi := range h {
			if hi <= 0 {
				da[i] = 0
				continue
			}
			row := m.wot[i*v : i*v+v]
			grow := g.wot[i*v : i*v+v]
			s := 0.0
			for k, q := range dl {
				grow[k] += hi * q
				s += row[k] * q
			}
			da[i] = s
		}
		gep := g.epos[t*d : t*d+d]
		get := g.etok[(t*v+y[t])*d : (t*v+y[t])*d+d]
		for i, q := range da {
			gep[i] += q
			get[i] += m.dfut[i]
			m.dfut[i] += q
			dbase[i] += q
		}
	}
	m.baseGrad(x, dbase, g.wx, g.b)
}

// Enumerate writes log π(y|x) for every completion into out (len V^H) by a
// depth-first walk of the prefix tree: V^(H-1)+…+1 hidden-state evaluations.
func (m *MLP) Enumerate(x Input, out []float64) {
	m.base(x, m.enumAcc[:m.d])
	m.enumerate(0, 0, 0, out)
}

func (m *MLP) enumerate(t, idx int, lpPrefix float64, out []float64) {
	d, v, H := m.d, m.sp.V, m.sp.H
	acc := m.enumAcc[t*d : t*d+d]
	ep := m.epos[t*d : t*d+d]
	a := m.enumH
	for i := range a {
		a[i] = acc[i] + ep[i]
	}
	m.logitsAt(a, a)
	lsm := m.enumLsm[t*v : t*v+v]
	logSoftmaxInto(m.logits, lsm)
	if t == H-1 {
		o := out[idx*v : idx*v+v]
		for k, l := range lsm {
			o[k] = lpPrefix + l
		}
		return
	}
	next := m.enumAcc[(t+1)*d : (t+1)*d+d]
	for k := 0; k < v; k++ {
		et := m.etok[(t*v+k)*d : (t*v+k)*d+d]
		for i := range next {
			next[i] = acc[i] + et[i]
		}
		m.enumerate(t+1, idx*v+k, lpPrefix+lsm[k], out)
	}
}

// Sample draws a completion token by token at the given temperature.
func (m *MLP) Sample(rng *rand.Rand, x Input, temperature float64, y []int) {
	d, v, H := m.d, m.sp.V, m.sp.H
	m.base(x, m.acc)
	for t := 0; t < H; t++ {
		a := m.a[t*d : t*d+d]
		ep := m.epos[t*d : t*d+d]
		for i := range a {
			a[i] = m.acc[i] + ep[i]
		}
		m.logitsAt(a, m.h[t*d:t*d+d])
		y[t] = sampleLogits(rng, m.logits, temperature)
		if t+1 < H {
			et := m.etok[(t*v+y[t])*d : (t*v+y[t])*d+d]
			for i := range m.acc {
				m.acc[i] += et[i]
			}
		}
	}
}
