package model

import (
	"fmt"
	"math"
	"math/bits"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"gapbench/internal/vmath"
)

// Projection is the objective of exact KL-regularised RL: the reverse-KL
// projection of a family of target distributions onto a policy class,
//
//	L(θ) = (1/N) Σ_x KL(π_θ(·|x) ‖ p*_x),   p*_x(y) = π_ref(y|x)·exp(r(x, y)/β) / Z_x,
//
// because argmax_π E_π[r] − β·KL(π‖π_ref) = argmin_π KL(π‖p*) (Swamy et al. 2025,
// "All Roads Lead to Likelihood", §Theory; Rafailov et al. 2023, eq. 4). The mean
// over the N prompts has the same minimiser as the sum and a scale that does not
// grow with N.
//
// Eval computes L and its gradient exactly, by enumerating every completion of
// every prompt; nothing is sampled. With A(y) = log π(y|x) − log p*_x(y), the
// gradient is ∇L = (1/N) Σ_x Σ_y π(y)·A(y)·∇log π(y|x) (the score-function
// identity with the baseline Σ_y π(y)∇log π(y) = 0). For the autoregressive
// classes it is computed by one backward pass over the prefix tree: at a prefix
// node s with mass M(s) and conditionals p(·|s), the logits' gradient is
//
//	∂L/∂z_s(a) = M(s)·p(a|s)·(Q(s·a) − Q(s)),   Q(n) = E_π[A | prefix n],
//
// with Q accumulated bottom-up (Q(s) = Σ_a p(a|s)·Q(s·a), Q(y) = A(y) at the
// leaves), and the network's backward pass runs once per node, the hidden-state
// gradients of a subtree summed on the way up (see mlpProj.visit). For the tilt class
// π ∝ π_ref·exp(f/β), ∇log π(y) = (∇f(y) − E_π∇f)/β, so ∇L = (1/β)·Σ_y π(y)·(A(y) −
// L_x)·∇f(y), one backward of f per completion.
//
// A Projection holds scratch buffers and must not be used from two goroutines at
// once; Eval allocates nothing.
type Projection struct {
	Policy  Policy      // π_θ: an *MLP, *Trie or *Tilt
	Inputs  []Input     // the prompts x
	Targets [][]float64 // log p*_x(y) for every completion index, normalised (see TiltTarget)
	// Second, when set (MLP only), is a second family of targets laid out as
	// Targets; Eval then also computes the mean KL of π to them in the same
	// pass, returned by SecondValue, at the cost of one multiply-add per
	// completion: KL(π‖p₂) = KL(π‖p*) + E_π[log p* − log p₂].
	Second [][]float64
	// ForwardTol, in [0, 1), is the target prefix mass below which ForwardKL
	// leaves a decision node, and its subtree, out of the forward KL (0:
	// none).
	ForwardTol float64
	// ReverseTol, in [0, 1), is the policy's own prefix mass below which Eval
	// leaves a decision node, and its subtree, out of the reverse KL (0:
	// none; see Eval). The MLP's walk only: the trie's and the tilt's
	// ignore it.
	ReverseTol float64

	second float64

	mp  *mlpProj
	fwd *prefixMasses // the targets' prefix masses, made by ForwardKL's first call
	tp  *trieProj
	lin *tiltLinNat // the tilt-linear natural gradient, when f is a *LinearRM
	lp  []float64   // V^H (tilt)
	y   []int       // H
}

// NewProjection returns the projection objective of pi onto the targets, one per
// input. It panics (a programmer error) if the lengths disagree or the policy
// class has no exact projection.
func NewProjection(pi Policy, inputs []Input, targets [][]float64) *Projection {
	if len(inputs) != len(targets) || len(inputs) == 0 {
		panic(fmt.Sprintf("model: NewProjection needs one target per input and at least one, got %d inputs, %d targets", len(inputs), len(targets)))
	}
	sp := pi.Space()
	for i, t := range targets {
		if len(t) != sp.Size() {
			panic(fmt.Sprintf("model: projection target %d has %d entries, want %d", i, len(t), sp.Size()))
		}
	}
	p := &Projection{Policy: pi, Inputs: inputs, Targets: targets, y: make([]int, sp.H)}
	switch q := pi.(type) {
	case *MLP:
		p.mp = newMLPProj(q)
	case *Trie:
		p.tp = newTrieProj(q)
	case *Tilt:
		p.lp = make([]float64, sp.Size())
		if f, ok := q.F.(*LinearRM); ok {
			p.lin = newTiltLinNat(f)
		}
	default:
		panic(fmt.Sprintf("model: no exact projection for policy type %T", pi))
	}
	return p
}

// TiltTarget writes log p*(y) = log π_ref(y) + r(y)/β − log Z into out, with
// Z = Σ_y π_ref(y)·exp(r(y)/β): the KL-regularised optimum of reward r at β.
// logRef, reward and out have one entry per completion; out may alias logRef.
func TiltTarget(logRef, reward []float64, beta float64, out []float64) {
	if !(beta > 0) {
		panic(fmt.Sprintf("model: TiltTarget needs beta > 0, got %v", beta))
	}
	for i := range out {
		out[i] = logRef[i] + reward[i]/beta
	}
	z := floats.LogSumExp(out)
	for i := range out {
		out[i] -= z
	}
}

// Eval returns L(θ) at the policy's current parameters and, when grad is
// non-nil, adds ∇L to grad.
//
// With ReverseTol > 0 (the MLP only) it returns instead, and differentiates,
//
//	L_tol(θ) = (1/N) Σ_x Σ_{y ∈ K_x(θ)} π(y|x)·A(y),
//
// the same sum over the completions K_x(θ) none of whose prefixes (below the
// root, above the leaf) has a mass under ReverseTol; the walk skips the
// subtrees of the others. It differs from L by (1/N) Σ_x Σ_{y ∉ K_x} π(y|x)·A(y),
// completions whose total mass is at most ReverseTol per prefix left out. The
// gradient is exactly ∇L_tol wherever K does not change (everywhere but where a
// prefix's mass equals ReverseTol): the walk gives a left-out child Q = −1,
// because ∇ Σ_K π·A = Σ_K π·A·∇log π + Σ_K ∇π and Σ_K ∇π = −Σ_{y ∉ K} π·∇log π,
// and adds the left-out mass back to the value. The policy's mass, like the
// target's for ForwardKL, sits on few prefixes once it is near a peaked
// target, so the pass visits a fraction of the tree.
func (p *Projection) Eval(grad []float64) float64 {
	if grad != nil && len(grad) != len(p.Policy.Params()) {
		panic(fmt.Sprintf("model: gradient has %d entries, the policy has %d parameters", len(grad), len(p.Policy.Params())))
	}
	if !(p.ReverseTol >= 0 && p.ReverseTol < 1) {
		panic(fmt.Sprintf("model: ReverseTol must be in [0, 1), got %v", p.ReverseTol))
	}
	scale := 1 / float64(len(p.Inputs))
	s, s2 := 0.0, 0.0
	if p.Second != nil && p.mp == nil {
		panic(fmt.Sprintf("model: Projection.Second needs an MLP policy, got %T", p.Policy))
	}
	for i, x := range p.Inputs {
		var kl float64
		switch {
		case p.mp != nil:
			p.mp.second, p.mp.dsum, p.mp.rtol = nil, 0, p.ReverseTol
			if p.Second != nil {
				p.mp.second = p.Second[i]
			}
			kl = p.mp.project(x, p.Targets[i], grad, scale)
			s2 += kl + p.mp.dsum
		case p.tp != nil:
			kl = p.tp.project(x, p.Targets[i], grad, scale)
		default:
			kl = p.projectTilt(x, p.Targets[i], grad, scale)
		}
		s += kl
	}
	p.second = s2 * scale
	return s * scale
}

// SecondValue returns the mean KL of π to the Second targets at the
// parameters of the last Eval (0 when Second is nil).
func (p *Projection) SecondValue() float64 { return p.second }

// nodeSoftmax writes the softmax of lg into prob and its log into lsm, with one
// exp per entry.
func nodeSoftmax(lg, prob, lsm []float64) {
	// The builtin max has no branch to mispredict; it differs from "if x > m"
	// only for a largest entry that is a zero of either sign (every value below
	// is then the same) and for NaN (every value below is then NaN either way).
	m := math.Inf(-1)
	for _, x := range lg {
		m = max(m, x)
	}
	prob = prob[:len(lg)]
	for k, x := range lg {
		prob[k] = x - m
	}
	vmath.ExpTo(prob, prob) // math.Exp's values, four at a time
	s := 0.0
	for _, e := range prob {
		s += e
	}
	ls := m + math.Log(s)
	inv := 1 / s
	for k, x := range lg {
		prob[k] *= inv
		lsm[k] = x - ls
	}
}

// nodeWeights turns the children's Q values (in q) into Q(s) and, when dl is
// non-nil, the logits' gradient dl[a] = scale·M(s)·p(a|s)·(Q(s·a) − Q(s)).
func nodeWeights(prob, q []float64, mass, scale float64, dl []float64) float64 {
	qs := 0.0
	for k, pk := range prob {
		qs += pk * q[k]
	}
	if dl != nil {
		w := scale * mass
		for k, pk := range prob {
			dl[k] = w * pk * (q[k] - qs)
		}
	}
	return qs
}

// secondTerm returns Σ_a p(a)·(tg(a) − t2(a)): a leaf parent's conditional
// expectation of log p* − log p₂ (see Projection.Second).
func secondTerm(p, tg, t2 []float64) float64 {
	s := 0.0
	for a, pa := range p {
		s += pa * (tg[a] - t2[a])
	}
	return s
}

// mlpProj is the MLP's prefix-tree walk for the projection: forward as in
// MLP.Enumerate, backward on the way back up (post-order), with one stack frame
// of buffers per depth.
type mlpProj struct {
	m      *MLP
	g      mlpGrad
	target []float64
	scale  float64
	grad   bool
	second []float64 // Projection.Second's targets of the prompt, or nil
	dsum   float64   // Σ_y π(y)·(target(y) − second(y)) when second is set
	tmass  []float64 // ForwardKL: the prompt's target prefix masses (see prefixMasses)
	tent   []float64 // ForwardKL: the prompt's node entropy terms (see prefixMasses)
	tol    float64   // ForwardKL: Projection.ForwardTol
	fkl    float64   // ForwardKL: the prompt's F so far
	rtol   float64   // Eval: Projection.ReverseTol
	out    float64   // Eval: the mass of the prompt's left-out prefixes so far

	acc  []float64 // H×D: Wx·bag + b + Σ_{j<t} Etok[j, y_j] of the node at depth t
	a    []float64 // H×D pre-activations
	mask []uint64  // H×words active units
	lg   []float64 // V logits scratch
	prob []float64 // H×V conditionals p(·|s)
	lsm  []float64 // H×V log-conditionals
	q    []float64 // H×V Q of the children
	cum  []float64 // H×D: Σ over the node's subtree of ∂L/∂a (hidden-state gradients)
	sd   []float64 // D
	dl   []float64 // V

	// The leaves' parents of one node, evaluated together (see leafParents).
	la   []float64 // V×D pre-activations
	lm   []uint64  // V×words active-unit masks
	llg  []float64 // V×V logits
	lpr  []float64 // V×V conditionals
	lls  []float64 // V×V log-conditionals
	lmx  []float64 // V row maxima
	lsum []float64 // V row sums of exps
	llog []float64 // V their logs
	wo   []float64 // V×D output weights output-major (outputMajor), made by project and FisherDiag for the AVX-512 kernels

	serial bool // tests: walk the leaves' parents one at a time, as for other shapes
}

func newMLPProj(m *MLP) *mlpProj {
	d, v, h := m.d, m.sp.V, m.sp.H
	return &mlpProj{m: m, acc: make([]float64, h*d), a: make([]float64, h*d), mask: make([]uint64, h*m.words),
		lg: make([]float64, v), prob: make([]float64, h*v), lsm: make([]float64, h*v), q: make([]float64, h*v),
		cum: make([]float64, h*d), sd: make([]float64, d), dl: make([]float64, v),
		la: make([]float64, v*d), lm: make([]uint64, v*m.words), llg: make([]float64, v*v), lpr: make([]float64, v*v),
		lls: make([]float64, v*v), lmx: make([]float64, v), lsum: make([]float64, v), llog: make([]float64, v),
		wo: make([]float64, v*d)}
}

// children is visit's loop over the children of the node at depth t < H−1, one
// at a time: each child's network state, then its subtree. Its arguments are
// leafParents'.
func (w *mlpProj) children(t, node int, lp, mass float64, lsm, prob, q, cum []float64) {
	v := w.m.sp.V
	for k, l := range lsm {
		if w.leaveOut(mass*prob[k], q, k) {
			continue
		}
		gk := w.enterChild(t, k)
		q[k] = w.visit(t+1, node*v+k, lp+l, mass*prob[k], gk, cum)
	}
}

// serialMax is the number of kept leaves' parents under a node up to which
// the walks (Eval's, ForwardKL's) visit them one at a time rather than
// together (leafParents, fwdLeafParents): the batched forward pass computes
// all V of them, the serial one only those kept. Either way the values are the
// same bit for bit (TestReverseTolSerial, TestForwardKLSerial), so it only
// sets the speed.
const serialMax = 4

// keptChildren returns the number of children of a node of mass mass and
// conditionals prob that Eval's walk keeps (see leaveOut).
func (w *mlpProj) keptChildren(mass float64, prob []float64) int {
	n := 0
	for _, pk := range prob {
		if !(mass*pk < w.rtol) {
			n++
		}
	}
	return n
}

// leaveOut reports whether a child of mass mk is left out of Eval's walk
// (mk < ReverseTol), and if so gives it Q = −1 in q[k] and counts its mass
// (see Projection.Eval).
func (w *mlpProj) leaveOut(mk float64, q []float64, k int) bool {
	if !(mk < w.rtol) {
		return false
	}
	q[k] = -1
	w.out += mk
	return true
}

// enterChild runs the network at the k-th child (depth t+1) of the node at
// depth t whose embedding sum is in acc[t], and returns the gradient of the
// token embedding that leads to the child (nil without a gradient).
func (w *mlpProj) enterChild(t, k int) []float64 {
	m := w.m
	d, v, H := m.d, m.sp.V, m.sp.H
	acc := w.acc[t*d : t*d+d]
	et := m.etok[(t*v+k)*d : (t*v+k)*d+d]
	if t+1 == H-1 {
		// The children's sums are not needed below them: a = (acc + Etok) +
		// Epos in one pass, as in MLP.Enumerate.
		w.evalLeafParent(t+1, acc, et)
	} else {
		addInto(w.acc[(t+1)*d:(t+2)*d], acc, et)
		w.eval(t + 1)
	}
	if !w.grad {
		return nil
	}
	return w.g.etok[(t*v+k)*d : (t*v+k)*d+d]
}

// batchLeafParents reports whether leafParents serves the MLP: V = 8, the
// shape of its batched and fused kernels (at any width, 64 units at a time).
func (w *mlpProj) batchLeafParents() bool { return w.m.sp.V == 8 && !w.serial }

// leafParents is visit's loop over the children of the node at depth t = H−2
// (they are the leaves' parents), with the same values bit for bit: the
// children's forward pass together (leafParentsForward), then each child's Q
// and backward pass, in order, its hidden-state gradient scattered by the
// fused kernel backUnits8Acc. plsm, pprob and lp, mass are the node's
// log-conditionals, conditionals, log-mass and mass; the children's Q go to q
// and, with a gradient, their hidden-state sums to cum (the node's).
func (w *mlpProj) leafParents(t, node int, lp, mass float64, plsm, pprob, q, cum []float64) {
	d, v := w.m.d, w.m.sp.V
	for k, pk := range pprob {
		w.leaveOut(mass*pk, q, k) // visit walks here only when more than serialMax are kept
	}
	prob, lsm := w.leafParentsForward(t)
	qc := w.q[(t+1)*v : (t+2)*v]
	var gep []float64
	if w.grad {
		gep = w.g.epos[(t+1)*d : (t+2)*d]
	}
	for k, l := range plsm {
		nk := node*v + k
		lpk, mk := lp+l, mass*pprob[k]
		if mk < w.rtol {
			continue // left out above (leaveOut's test)
		}
		pr, ls := prob[k*v:k*v+v], lsm[k*v:k*v+v]
		tg := w.target[nk*v : nk*v+v]
		for j, l := range ls {
			qc[j] = lpk + l - tg[j]
		}
		if w.second != nil {
			w.dsum += mk * secondTerm(pr, tg, w.second[nk*v:nk*v+v])
		}
		if !w.grad {
			q[k] = nodeWeights(pr, qc, mk, w.scale, nil)
			continue
		}
		dl := w.dl[:v]
		q[k] = nodeWeights(pr, qc, mk, w.scale, dl)
		w.leafParentBackward(t, k, dl, gep, cum)
	}
}

// leafParentBackward is the backward pass of the k-th child of the node at
// depth t = H−2, whose forward pass leafParentsForward left in w.la and w.lm,
// given its logits' gradient dl: dl into the output bias, the output weights'
// gradient and, by the fused kernel backUnits8Acc, the child's hidden-state
// gradient into gep (its position embedding's gradient), cum (its parent's
// subtree sum) and its token embedding's gradient.
func (w *mlpProj) leafParentBackward(t, k int, dl, gep, cum []float64) {
	m := w.m
	d, v, nw := m.d, m.sp.V, m.words
	la, lm := w.la[:v*d], w.lm[:v*nw]
	gbo := w.g.bo[:v]
	for j, g := range dl {
		gbo[j] += g
	}
	get := w.g.etok[(t*v+k)*d : (t*v+k)*d+d]
	if nw == 1 {
		backUnits8Acc(lm[k], la[k*d:k*d+d], m.wot, w.wo, d, w.g.wot, (*[8]float64)(dl), v, gep, cum, get)
		return
	}
	for wd, bm := range lm[k*nw : k*nw+nw] {
		lo, hi := wd*64, min(wd*64+64, d)
		backUnits8Acc(bm, la[k*d+lo:k*d+hi], m.wot[lo*v:], w.wo[lo:], d, w.g.wot[lo*v:], (*[8]float64)(dl), v,
			gep[lo:hi], cum[lo:hi], get[lo:hi])
	}
}

// leafParentsForward is the forward pass of the V children of the node at
// depth t = H−2 (the leaves' parents), for leafParents and fisherVisit
// (batchLeafParents must hold): their pre-activations and active units into
// w.la and w.lm, then their logits four at a time (gemv8x4; two at a time,
// gemv8x2, over 64 units) and their softmaxes,
// with one vector exp and one vector log for all of them, each child's entries
// taking nodeSoftmax's operations. It returns the children's conditionals and
// log-conditionals, V×V, child-major: the values eval computes for each child,
// bit for bit.
func (w *mlpProj) leafParentsForward(t int) (prob, lsm []float64) {
	m := w.m
	d, v := m.d, m.sp.V
	acc := w.acc[t*d : t*d+d]
	ets := m.etok[t*v*d : (t+1)*v*d]
	ep := m.epos[(t+1)*d : (t+2)*d]
	nw := m.words
	la, lm, lg := w.la[:v*d], w.lm[:v*nw], w.llg[:v*v]
	for k := range v {
		if nw == 1 {
			lm[k] = act64x3(acc, ets[k*d:k*d+d], ep, la[k*d:k*d+d])
		} else {
			activate3(acc, ets[k*d:k*d+d], ep, la[k*d:k*d+d], lm[k*nw:k*nw+nw])
		}
	}
	if nw == 1 {
		for k := 0; k < v; k += 4 {
			l4 := (*[32]float64)(lg[k*v : k*v+32])
			for n := range 4 {
				copy(l4[8*n:8*n+8], m.bo)
			}
			gemv8x4(l4, [4]uint64(lm[k:k+4]), la[k*d:], d, m.wot, v)
		}
	}
	for k := 0; k < v && nw > 1; k += 2 {
		l1, l2 := (*[8]float64)(lg[k*v:k*v+8]), (*[8]float64)(lg[(k+1)*v:(k+1)*v+8])
		*l1, *l2 = [8]float64(m.bo), [8]float64(m.bo)
		for wd := range nw {
			lo := wd * 64
			gemv8x2(l1, lm[k*nw+wd], la[k*d+lo:], l2, lm[(k+1)*nw+wd], la[(k+1)*d+lo:], m.wot[lo*v:], v)
		}
	}
	prob, lsm = w.lpr[:v*v], w.lls[:v*v]
	mx, sum, lsum := w.lmx[:v], w.lsum[:v], w.llog[:v]
	for k := range mx {
		row := lg[k*v : k*v+v]
		mk := math.Inf(-1)
		for _, x := range row {
			mk = max(mk, x)
		}
		mx[k] = mk
		e := prob[k*v : k*v+v]
		for j, x := range row {
			e[j] = x - mk
		}
	}
	vmath.ExpTo(prob, prob) // math.Exp's values
	for k := range sum {
		s := 0.0
		for _, e := range prob[k*v : k*v+v] {
			s += e
		}
		sum[k] = s
	}
	vmath.LogTo(lsum, sum) // math.Log's values on amd64
	for k, s := range sum {
		ls := mx[k] + lsum[k]
		inv := 1 / s
		for j, x := range lg[k*v : k*v+v] {
			prob[k*v+j] *= inv
			lsm[k*v+j] = x - ls
		}
	}
	return prob, lsm
}

// project returns KL(π(·|x) ‖ p*) and, when grad is non-nil, adds scale·∇KL.
func (w *mlpProj) project(x Input, target, grad []float64, scale float64) float64 {
	m := w.m
	d := m.d
	w.target, w.scale, w.grad = target, scale, grad != nil
	if w.grad {
		w.g = m.gradViews(grad)
		if w.batchLeafParents() {
			outputMajor(w.wo, m.wot, d, m.sp.V)
		}
	}
	m.base(x, w.acc[:d])
	w.eval(0)
	if w.grad {
		clear(w.cum[:d])
	}
	w.out = 0
	kl := w.visit(0, 0, 0, 1, nil, nil)
	if w.grad {
		m.baseGrad(x, w.cum[:d], w.g.wx, w.g.b)
	}
	return kl + w.out // the left-out children's Q of −1 taken back
}

// eval runs the network at the node of depth t whose embedding sum is in acc[t]:
// its pre-activation, active units and conditionals.
func (w *mlpProj) eval(t int) {
	m := w.m
	d, v, nw := m.d, m.sp.V, m.words
	a, mask := w.a[t*d:t*d+d], w.mask[t*nw:t*nw+nw]
	activate(w.acc[t*d:t*d+d], m.epos[t*d:t*d+d], a, mask)
	m.logitsOf(a, mask, w.lg)
	nodeSoftmax(w.lg, w.prob[t*v:t*v+v], w.lsm[t*v:t*v+v])
}

// evalLeafParent is eval for a node at depth t = H−1 whose embedding sum is
// acc + et, without storing that sum.
func (w *mlpProj) evalLeafParent(t int, acc, et []float64) {
	m := w.m
	d, v, nw := m.d, m.sp.V, m.words
	a, mask := w.a[t*d:t*d+d], w.mask[t*nw:t*nw+nw]
	activate3(acc, et, m.epos[t*d:t*d+d], a, mask)
	m.logitsOf(a, mask, w.lg)
	nodeSoftmax(w.lg, w.prob[t*v:t*v+v], w.lsm[t*v:t*v+v])
}

// visit walks the subtree of the node at depth t with prefix index node, log-mass
// lp and mass M, whose network state eval has computed, and returns Q of the
// node. With a gradient, it adds the sum of ∂L/∂a over the subtree into get (the
// gradient of the token embedding that leads to the node; nil at the root) and
// into pcum (the parent's sum; the root's own sum, cum[0], when nil).
func (w *mlpProj) visit(t, node int, lp, mass float64, get, pcum []float64) float64 {
	d, v, H := w.m.d, w.m.sp.V, w.m.sp.H
	prob, lsm, q := w.prob[t*v:t*v+v], w.lsm[t*v:t*v+v], w.q[t*v:t*v+v]
	cum := w.cum[t*d : t*d+d]
	leafParent := t == H-1
	if leafParent {
		tg := w.target[node*v : node*v+v]
		for k, l := range lsm {
			q[k] = lp + l - tg[k]
		}
		if w.second != nil {
			w.dsum += mass * secondTerm(prob, tg, w.second[node*v:node*v+v])
		}
	} else {
		if w.grad {
			clear(cum)
		}
		if t+1 == H-1 && w.batchLeafParents() && w.keptChildren(mass, prob) > serialMax {
			w.leafParents(t, node, lp, mass, lsm, prob, q, cum)
		} else {
			w.children(t, node, lp, mass, lsm, prob, q, cum)
		}
	}
	if !w.grad {
		return nodeWeights(prob, q, mass, w.scale, nil)
	}
	dl := w.dl
	qs := nodeWeights(prob, q, mass, w.scale, dl)
	w.nodeBackward(t, dl, get, pcum)
	return qs
}

// nodeBackward is the backward pass of the node at depth t, whose network
// state eval left in w.a and w.mask and whose subtree's hidden-state
// gradients below it are summed in cum[t] (nothing below a leaf parent), given
// its logits' gradient dl: dl into the output bias, the output weights'
// gradient and the position embedding's, and the subtree's sum, its own
// hidden-state gradient included, into get (the gradient of the token
// embedding that leads to the node; nil at the root) and pcum (the parent's
// sum; the root's own sum, cum[0], when nil).
func (w *mlpProj) nodeBackward(t int, dl, get, pcum []float64) {
	m := w.m
	d, v, H, nw := m.d, m.sp.V, m.sp.H, m.words
	cum := w.cum[t*d : t*d+d]
	gbo := w.g.bo[:v]
	for k, g := range dl {
		gbo[k] += g
	}
	a, mask := w.a[t*d:t*d+d], w.mask[t*nw:t*nw+nw]
	m.backUnits(a, mask, dl, w.g.wot, w.sd)
	gep := w.g.epos[t*d : t*d+d]
	if t == H-1 {
		// The subtree is the node: its sum is its own ∂L/∂a, non-zero on the
		// active units only.
		if pcum == nil {
			pcum = cum
		}
		for wd, bm := range mask {
			for bm != 0 {
				i := wd*64 + bits.TrailingZeros64(bm)
				bm &= bm - 1
				s := w.sd[i]
				gep[i] += s
				pcum[i] += s
				if get != nil {
					get[i] += s
				}
			}
		}
		return
	}
	for wd, bm := range mask {
		for bm != 0 {
			i := wd*64 + bits.TrailingZeros64(bm)
			bm &= bm - 1
			s := w.sd[i]
			gep[i] += s
			cum[i] += s
		}
	}
	if get != nil {
		for i, c := range cum {
			get[i] += c
			pcum[i] += c
		}
	}
}

// trieProj is the trie's prefix-tree walk for the projection: the logits are the
// parameters, so the backward pass is the logits' gradient itself.
type trieProj struct {
	p      *Trie
	target []float64
	grad   []float64
	dir    []float64 // when non-nil, the natural-gradient direction is written here (see Natural)
	scale  float64
	id     int
	prob   []float64 // H×V
	lsm    []float64 // H×V
	q      []float64 // H×V
	dl     []float64 // V
}

func newTrieProj(p *Trie) *trieProj {
	h, v := p.sp.H, p.sp.V
	return &trieProj{p: p, prob: make([]float64, h*v), lsm: make([]float64, h*v), q: make([]float64, h*v), dl: make([]float64, v)}
}

func (w *trieProj) project(x Input, target, grad []float64, scale float64) float64 {
	w.target, w.grad, w.scale, w.id = target, grad, scale, x.ID
	return w.visit(0, 0, 0, 1)
}

func (w *trieProj) visit(t, pre int, lp, mass float64) float64 {
	p := w.p
	v, H := p.sp.V, p.sp.H
	o := p.node(w.id, t, pre)
	prob, lsm, q := w.prob[t*v:t*v+v], w.lsm[t*v:t*v+v], w.q[t*v:t*v+v]
	nodeSoftmax(p.params[o:o+v], prob, lsm)
	for k, l := range lsm {
		if t == H-1 {
			q[k] = lp + l - w.target[pre*v+k]
		} else {
			q[k] = w.visit(t+1, pre*v+k, lp+l, mass*prob[k])
		}
	}
	if w.grad == nil && w.dir == nil {
		return nodeWeights(prob, q, mass, w.scale, nil)
	}
	qs := nodeWeights(prob, q, mass, w.scale, w.dl)
	if w.grad != nil {
		g := w.grad[o : o+v]
		for k, x := range w.dl {
			g[k] += x
		}
	}
	if w.dir != nil {
		d := w.dir[o : o+v]
		for k := range d {
			d[k] = -(q[k] - qs)
		}
	}
	return qs
}

// projectTilt is the tilt class's projection: enumerate the normalised policy,
// then one backward of f per completion with weight scale·π(y)·(A(y) − KL)/β.
func (p *Projection) projectTilt(x Input, target, grad []float64, scale float64) float64 {
	tl := p.Policy.(*Tilt)
	lp := p.lp
	tl.Enumerate(x, lp)
	kl := 0.0
	for i, l := range lp {
		if q := math.Exp(l); q > 0 {
			kl += q * (l - target[i])
		}
	}
	if grad == nil {
		return kl
	}
	sp := tl.Space()
	w := scale / tl.Beta
	for i, l := range lp {
		q := math.Exp(l)
		if q == 0 {
			continue
		}
		sp.Decode(i, p.y)
		tl.F.Reward(x, p.y, grad, w*q*(l-target[i]-kl))
	}
	return kl
}

// HasNatural reports whether Natural supports the policy class: the trie, and
// the tilt with a linear f.
func (p *Projection) HasNatural() bool { return p.tp != nil || p.lin != nil }

// Natural returns L, adds ∇L to grad and writes into dir the natural-gradient
// descent direction −F⁻¹∇L (Amari 1998; Kakade 2001), F the Fisher information
// of the policy in its parameters (summed over prompts with L's weights):
//
//   - trie: F is block-diagonal by node, M(s)·(diag p − ppᵀ), and the direction
//     on node s's logits is −(Q(s·a) − Q(s)) (its minimum-norm solution). A unit
//     step is soft policy iteration (Cen et al. 2022): π(a|s) ∝ p*(a|s)·exp(−K(s·a)),
//     K the KL still to come below s·a, so from any start it reaches p* exactly
//     after H unit steps, the leaves' parents first.
//   - tilt with linear f: π(y|x) ∝ π_ref(y|x)·exp(c(y)ᵀφ_x/β), c(y) the token counts
//     and φ_x = u + Wᵀbag(x), an exponential family; F = (1/N)Σ_x B_xᵀ Cov_π(c)
//     B_x/β² with B_x the map θ ↦ φ_x, solved by Cholesky with a 1e-10 relative
//     ridge (F is singular along shifts that change no policy). When the target
//     is in the class, ∇L = F·(θ − θ*) and one unit step lands on θ*.
//
// Other classes panic (see HasNatural). Entries of dir outside the parameters L
// depends on are set to 0.
func (p *Projection) Natural(grad, dir []float64) float64 {
	if len(grad) != len(p.Policy.Params()) || len(dir) != len(grad) {
		panic(fmt.Sprintf("model: Natural needs grad and dir of %d entries, got %d and %d", len(p.Policy.Params()), len(grad), len(dir)))
	}
	switch {
	case p.tp != nil:
		clear(dir)
		p.tp.dir = dir
		defer func() { p.tp.dir = nil }()
		return p.Eval(grad)
	case p.lin != nil:
		return p.lin.natural(p, grad, dir)
	}
	panic(fmt.Sprintf("model: no natural gradient for policy type %T", p.Policy))
}

// tiltLinNat is the scratch of the tilt-linear natural gradient.
type tiltLinNat struct {
	f    *LinearRM
	fish []float64 // n×n Fisher, n = (P+1)·V
	gphi []float64 // V: ∂L/∂φ_x
	mean []float64 // V: E_π c
	cov  []float64 // V×V: E_π c cᵀ, then Cov_π c
	cnt  []float64 // V: c(y)
	e    []float64 // P+1: bag(x) and 1
	chol mat.Cholesky
	sym  *mat.SymDense
	rhs  *mat.VecDense
	sol  *mat.VecDense
}

func newTiltLinNat(f *LinearRM) *tiltLinNat {
	v := f.sp.V
	n := (f.p + 1) * v
	t := &tiltLinNat{f: f, fish: make([]float64, n*n), gphi: make([]float64, v), mean: make([]float64, v),
		cov: make([]float64, v*v), cnt: make([]float64, v), e: make([]float64, f.p+1)}
	t.sym = mat.NewSymDense(n, t.fish)
	t.rhs = mat.NewVecDense(n, nil)
	t.sol = mat.NewVecDense(n, nil)
	return t
}

func (t *tiltLinNat) natural(p *Projection, grad, dir []float64) float64 {
	tl := p.Policy.(*Tilt)
	sp := tl.Space()
	v, np := sp.V, t.f.p
	n := (np + 1) * v
	clear(t.fish)
	scale := 1 / float64(len(p.Inputs))
	ib2 := scale / (tl.Beta * tl.Beta)
	total := 0.0
	for xi, x := range p.Inputs {
		target := p.Targets[xi]
		tl.Enumerate(x, p.lp)
		kl := 0.0
		for i, l := range p.lp {
			if q := math.Exp(l); q > 0 {
				kl += q * (l - target[i])
			}
		}
		total += kl
		clear(t.gphi)
		clear(t.mean)
		clear(t.cov)
		for i, l := range p.lp {
			q := math.Exp(l)
			if q == 0 {
				continue
			}
			sp.Decode(i, p.y)
			clear(t.cnt)
			for _, tok := range p.y {
				t.cnt[tok]++
			}
			a := q * (l - target[i] - kl)
			for k, c := range t.cnt {
				if c == 0 {
					continue
				}
				t.gphi[k] += a * c
				t.mean[k] += q * c
				row := t.cov[k*v : k*v+v]
				for k2, c2 := range t.cnt {
					row[k2] += q * c * c2
				}
			}
		}
		for k, m := range t.mean {
			for k2, m2 := range t.mean {
				t.cov[k*v+k2] -= m * m2
			}
		}
		// e = (bag, 1) in parameter order: W rows f < P, then u.
		clear(t.e)
		for _, f := range x.Bag {
			t.e[f.Index] += f.Value
		}
		t.e[np] = 1
		gs := scale / tl.Beta
		for f, ef := range t.e {
			if ef == 0 {
				continue
			}
			for k, g := range t.gphi {
				grad[f*v+k] += gs * ef * g
			}
			for f2, ef2 := range t.e {
				if ef2 == 0 {
					continue
				}
				w := ib2 * ef * ef2
				for k := range v {
					row := t.fish[(f*v+k)*n+f2*v : (f*v+k)*n+f2*v+v]
					crow := t.cov[k*v : k*v+v]
					for k2, c := range crow {
						row[k2] += w * c
					}
				}
			}
		}
	}
	tr := 0.0
	for i := range n {
		tr += t.fish[i*n+i]
	}
	ridge := 1e-10*tr/float64(n) + 1e-300
	for i := range n {
		t.fish[i*n+i] += ridge
	}
	for i := range n {
		t.rhs.SetVec(i, -grad[i])
	}
	if !t.chol.Factorize(t.sym) {
		// Not positive definite to working precision: fall back to the gradient.
		for i := range dir {
			dir[i] = -grad[i]
		}
		return total * scale
	}
	// An ill-conditioned F returns a mat.Condition error with the solution
	// still computed; the line search judges the step.
	_ = t.chol.SolveVecTo(t.sol, t.rhs)
	for i := range n {
		dir[i] = t.sol.AtVec(i)
	}
	return total * scale
}
