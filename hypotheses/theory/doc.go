// Package theory checks the theory of Swamy et al., "All Roads Lead to
// Likelihood: The Value of Reinforcement Learning in Fine-Tuning" (arXiv
// 2503.01067, 2025; PAPER.md, section "Theory") exactly, in tabular worlds
// small enough to enumerate every trajectory and to optimise to convergence.
//
// It is the "theory" row of DESIGN.md's suite table: statements that hold by
// proof, checked numerically so that a report can print them beside the
// empirical hypotheses. It is not a model of the synthetic task and depends on
// no other gapbench package; its worlds and losses are its own.
// Entry points: [CheckEquivalence], [PartialCoverage], [CheckSFTSPIN], and
// [RunAll], which returns the theory table as a list of [Check] rows.
//
// # Worlds
//
// A world has P prompts, V actions and horizon H. A trajectory ξ is a prompt
// and H tokens, P_π(ξ) = ∏_h π(a_h|s_h). The policy class Π is every tabular
// softmax policy: a free logit per (prefix node, action), the trie class of
// DESIGN.md; it reaches every full-support distribution over each prompt's
// V^H trajectories. π_ref is a random member of Π and β > 0. The reward class
// R(Π) = {β·log(P_π/P_ref) : π ∈ Π} is, since Π is tabular, every function of
// the trajectory up to a per-prompt constant; Bradley–Terry and KL-regularised
// RL are blind to that constant, so the reward model is fitted as a free
// table r(ξ) — a different optimisation problem from DPO's, not DPO renamed.
//
// # Theorem 1: offline PFT = online PFT when R = R(Π)
//
// PAPER.md, "Theory", equivalence theorem. Offline PFT is DPO: minimise −Σ c_ij·log σ(u_θ(ξ_i) − u_θ(ξ_j)) over Π's
// logits, u_θ = β·log(P_θ/P_ref), with c_ij the count of ξ_i ≻ ξ_j. Online PFT
// fits r̂ by Bradley–Terry maximum likelihood over R(Π), then solves
// max_π E_π[r̂] − β·KL(P_π ‖ P_ref), whose solution is the reverse-KL
// projection P* ∝ P_ref·exp(r̂/β) (computed exactly by the soft value
// recursion, and again by L-BFGS over Π's logits to show the projection is
// exact). Both losses are the same convex function of u, and π ↦ u_π is a
// bijection from Π onto R(Π) modulo constants; so the DPO optima are exactly
// the soft-optimal policies of the MLE rewards, whatever the coverage or n.
//
// Coverage. Every edge of the comparison graph is observed in both orders,
// so each connected component is strongly connected and the MLE of the
// reward differences inside it is finite and unique. What the data do not pin
// down — rewards of trajectories no comparison touches, and the offsets
// between components — makes both optima non-unique under partial coverage.
// [CheckEquivalence] handles that in three ways, and reports all three:
//
//   - identified quantities: the reward differences inside each component,
//     u_DPO(ξ) − u_DPO(ξ') versus r̂(ξ) − r̂(ξ'), agree;
//   - solution sets: the RLHF policy attains the minimum DPO loss, and every
//     DPO optimum found (from several starts) has an implicit reward that
//     attains the minimum Bradley–Terry loss (its soft-optimal policy being
//     itself) — BT is convex in r, so stationarity certifies optimality;
//   - a tie-break applied to both: the optimum closest to π_ref in
//     KL(P_π ‖ P_ref). It is unique (a strictly convex function on a convex
//     set) and has a closed form: reward 0 off the data, and on each component
//     C the reward minus its mean under P_ref·exp(r/β) restricted to C. Both
//     the DPO and the RLHF policies are mapped to it and compared trajectory by
//     trajectory (max |ΔP(ξ)|, tolerance 1e-6). With full coverage the map is
//     the identity and the raw policies are compared too.
//
// # Example: partial coverage
//
// Xu et al. 2024; PAPER.md, "Theory", partial coverage. π_ref = [½, ½, 0] over ξ₁, ξ₂, ξ₃ and data compare only ξ₁ with ξ₂. The RL
// step puts P_ref(ξ₃)·exp(r(ξ₃)/β)/Z = 0 on ξ₃ for every finite r(ξ₃), and
// with one-sided data (only ξ₁ ≻ ξ₂, MLE gap +∞) RLHF tends to [1, 0, 0] as
// the reward gap grows. The DPO loss involves only log π(ξ₁)/π(ξ₂) (ξ₃ is in
// no comparison), so every policy (1 − m)·π_RLHF + m·δ_ξ₃ has the same loss:
// along growing gaps the m = 0.9 member tends to [0.1, 0, 0.9], a DPO
// "optimum" in the limit. Because that limit is not attained, the example is
// also run on a finite dataset with both orders (3 wins, 1 loss), where the
// optimal ratio is finite, the RLHF policy is [0.9, 0.1, 0] at β = ½, and the
// DPO optimiser started with mass on ξ₃ converges to an exact DPO optimum
// that keeps most of it ([0.141, 0.016, 0.844] from [0.05, 0.05, 0.9]: the
// gradient never touches ξ₃'s logit). Here π_ref is outside Π (it has a zero),
// so the example is computed on three actions with π_ref's logit −∞.
//
// # Theorem 2: SFT = SPIN-like online IRL when R = R(Π)
//
// PAPER.md, "Theory" (the same holds for SFT versus a SPIN-like variant). SFT maximises Σ n(ξ)·log P_θ(ξ) over Π; its optimum is the empirical
// distribution p_D of the demonstrations when they cover every trajectory
// (the demo sets here include one of each, so the MLE is attained). Two
// online counterparts with the reward in R(Π) return the same policy:
//
//   - the SPIN-like alternation (Chen et al. 2024): fit a reward that
//     discriminates demonstrations from the current policy π_k by the
//     logistic loss over pairs (ξ ~ p_D) ≻ (ξ' ~ π_k), with exact
//     expectations; then soft RL against it with a KL to π_k,
//     π_{k+1} ∝ π_k·exp(r/β). The logistic MLE is r = log(p_D/π_k) exactly,
//     so π_{k+1} ∝ π_k^{1−1/β}·p_D^{1/β}: p_D is the unique full-support
//     fixed point, reached in one round at β = 1 and geometrically for
//     β > ½; for β ≤ ½ the alternation oscillates or diverges, although
//     p_D is still its fixed point;
//   - the game solution, maximum-entropy IRL (Ziebart et al. 2008):
//     max_r E_D[r] − β·log E_ref[exp(r/β)], then exact soft RL.
//
// # Numerics
//
// Every optimisation is gonum's L-BFGS (gonum.org/v1/gonum/optimize) with
// analytic gradients (checked against central finite differences in the
// tests), run to ‖∇‖∞ < 1e-12. The losses are O(1), so near an optimum the
// decrease of a step falls below f's rounding error and gonum's line search
// fails, typically at ‖∇‖∞ ≈ 1e-11…1e-8; such a stop is accepted when
// ‖∇‖∞ ≤ 1e-8, any other is an error, and results report the largest
// gradient left.
// All randomness comes from math/rand/v2 PCG sources seeded by the configs.
package theory
