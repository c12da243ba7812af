package theory

import (
	"math"

	"gonum.org/v1/gonum/floats"
)

// objective is a smooth function to minimise; it returns f(x) and, when grad
// is non-nil, overwrites grad with ∇f(x).
type objective func(x, grad []float64) float64

// comparison is count observations of trajectory win preferred to trajectory
// lose (global trajectory indices, same prompt).
type comparison struct {
	win, lose int
	count     float64
}

// prefData is a preference dataset: comparisons and their total count N.
type prefData struct {
	comps []comparison
	total float64
}

// btLoss returns the mean Bradley–Terry negative log-likelihood of the scores
// s, (1/N)·Σ c·(−log σ(s_win − s_lose)), and overwrites grad (when non-nil)
// with its gradient in s.
func btLoss(d *prefData, s, grad []float64) float64 {
	if grad != nil {
		clear(grad)
	}
	loss := 0.0
	for _, c := range d.comps {
		m := s[c.win] - s[c.lose]
		loss -= c.count * logSigmoid(m)
		if grad != nil {
			w := c.count * sigmoid(-m) / d.total
			grad[c.win] -= w
			grad[c.lose] += w
		}
	}
	return loss / d.total
}

// btObjective is the reward-model stage of online PFT: Bradley–Terry MLE over
// a free reward table r(ξ) (R(Π) up to a per-prompt constant, which
// Bradley–Terry cannot see).
func btObjective(d *prefData) objective {
	return func(r, grad []float64) float64 { return btLoss(d, r, grad) }
}

// implicitReward writes u(ξ) = β·(log P_θ(ξ) − log P_ref(ξ)), the local
// reward r_π of PAPER.md, into u.
func implicitReward(t *tree, theta, refLogP []float64, beta float64, u []float64) {
	t.logProbs(theta, u)
	for i := range u {
		u[i] = beta * (u[i] - refLogP[i])
	}
}

// dpoObjective is offline PFT: the DPO loss over the logits of Π,
// −(1/N)·Σ c·log σ(u_θ(ξ⁺) − u_θ(ξ⁻)) with u_θ = β·log(P_θ/P_ref).
func dpoObjective(t *tree, d *prefData, refLogP []float64, beta float64) objective {
	u := make([]float64, t.numTraj())
	gu := make([]float64, t.numTraj())
	return func(theta, grad []float64) float64 {
		implicitReward(t, theta, refLogP, beta, u)
		if grad == nil {
			return btLoss(d, u, nil)
		}
		loss := btLoss(d, u, gu)
		for i := range gu {
			gu[i] *= beta
		}
		t.backprop(theta, gu, grad)
		return loss
	}
}

// rlObjective is the negated KL-regularised RL objective over the logits of Π,
// −Σ_prompts (E_{P_θ}[r] − β·KL(P_θ ‖ P_ref)). Its gradient is the exact
// policy gradient Σ_ξ P_θ(ξ)·A(ξ)·∇log P_θ(ξ) with A = r − β·log(P_θ/P_ref)
// (the −β from differentiating the log vanishes because Σ_ξ P_θ ∇log P_θ = 0).
func rlObjective(t *tree, r, refLogP []float64, beta float64) objective {
	lp := make([]float64, t.numTraj())
	g := make([]float64, t.numTraj())
	return func(theta, grad []float64) float64 {
		t.logProbs(theta, lp)
		obj := 0.0
		for i := range lp {
			p := math.Exp(lp[i])
			a := r[i] - beta*(lp[i]-refLogP[i])
			obj += p * a
			g[i] = -p * a
		}
		if grad != nil {
			t.backprop(theta, g, grad)
		}
		return -obj
	}
}

// sftObjective is maximum-likelihood SFT over the logits of Π: the mean
// negative log-likelihood −(1/N)·Σ_ξ n(ξ)·log P_θ(ξ) of demonstration counts n.
func sftObjective(t *tree, counts []float64) objective {
	total := floats.Sum(counts)
	lp := make([]float64, t.numTraj())
	g := make([]float64, t.numTraj())
	return func(theta, grad []float64) float64 {
		t.logProbs(theta, lp)
		nll := 0.0
		for i, n := range counts {
			nll -= n * lp[i]
			g[i] = -n / total
		}
		if grad != nil {
			t.backprop(theta, g, grad)
		}
		return nll / total
	}
}

// irlDual is maximum-entropy IRL (Ziebart et al. 2008) with a KL regulariser:
// the dual of the game max_r min_π E_D[r] − E_π[r] + β·KL(P_π ‖ P_ref) over a
// free reward table r, F(r) = −E_D[r] + β·Σ_p w_p·log E_{P_ref}[exp(r/β) | p],
// with w_p the share of demonstrations on prompt p. Its gradient is
// −p_D(ξ) + w_p·P*_r(ξ | p): at the optimum the soft-optimal policy of r
// matches the demonstrations' expectations of every reward in the class.
func irlDual(t *tree, counts, refLogP []float64, beta float64) objective {
	total := floats.Sum(counts)
	x := make([]float64, t.leaves)
	return func(r, grad []float64) float64 {
		f := 0.0
		for p := range t.prompts {
			lo, hi := p*t.leaves, (p+1)*t.leaves
			wp := floats.Sum(counts[lo:hi]) / total
			for i := lo; i < hi; i++ {
				x[i-lo] = refLogP[i] + r[i]/beta
				f -= counts[i] * r[i] / total
			}
			lz := floats.LogSumExp(x)
			f += beta * wp * lz
			if grad != nil {
				for i := lo; i < hi; i++ {
					grad[i] = -counts[i]/total + wp*math.Exp(x[i-lo]-lz)
				}
			}
		}
		return f
	}
}
