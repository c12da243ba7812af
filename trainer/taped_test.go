package trainer

import (
	"math/rand/v2"
	"testing"

	"gapbench/model"
)

// untaped hides a policy's Forward/Backward, so DPO falls back to Score.
type untaped struct{ model.Policy }

func (u untaped) Sample(rng *rand.Rand, x model.Input, temperature float64, y []int) {
	u.Policy.(model.Sampler).Sample(rng, x, temperature, y)
}

// TestDPOTapedMatchesScore checks that the taped DPO loss (one forward pass per
// sequence) gives the loss and gradient of the Score-based one bit for bit (so
// within 1e-12), for every loss kind and regulariser.
func TestDPOTapedMatchesScore(t *testing.T) {
	items := NewPrefItems(newPolicy(2), comparisons(8))
	for _, kind := range DPOLosses {
		for _, reg := range []struct{ sft, kl float64 }{{0, 0}, {0.3, 0}, {0, 0.2}, {0.3, 0.2}} {
			p := newPolicy(1)
			run := func(pol model.Policy) (float64, []float64) {
				o := &DPO{Policy: pol, Ref: newPolicy(2), Beta: 0.7, Kind: kind,
					SFTWeight: reg.sft, KLWeight: reg.kl, KLSamples: 2, Rng: rand.New(rand.NewPCG(4, 2))}
				g := make([]float64, len(p.Params()))
				loss := 0.0
				for range 3 { // reuse the tapes
					loss += o.Loss(items, g)
				}
				return loss, g
			}
			l1, g1 := run(p)
			l2, g2 := run(untaped{p})
			if l1 != l2 {
				t.Errorf("%s sft=%v kl=%v: taped loss %v, Score loss %v", kind, reg.sft, reg.kl, l1, l2)
			}
			for i := range g1 {
				if g1[i] != g2[i] {
					t.Fatalf("%s sft=%v kl=%v: grad[%d] taped %v, Score %v", kind, reg.sft, reg.kl, i, g1[i], g2[i])
				}
			}
		}
	}
}

// TestDPOTapesFollowPolicy checks that the loss remakes its tapes when its policy
// is replaced, and that a loss with no gradient wanted works.
func TestDPOTapesFollowPolicy(t *testing.T) {
	items := NewPrefItems(newPolicy(2), comparisons(4))
	o := &DPO{Policy: newPolicy(1), Beta: 0.5}
	g := make([]float64, len(o.Policy.Params()))
	o.Loss(items, g)
	q := newPolicy(3)
	o.Policy = q
	want := (&DPO{Policy: untaped{q}, Beta: 0.5}).Loss(items, nil)
	if got := o.Loss(items, nil); got != want {
		t.Errorf("after replacing the policy: loss %v, want %v", got, want)
	}
}

// TestDPONoAllocs checks that after its first call the DPO loss allocates nothing.
func TestDPONoAllocs(t *testing.T) {
	items := NewPrefItems(newPolicy(2), comparisons(8))
	p := newPolicy(1)
	o := &DPO{Policy: p, Ref: newPolicy(2), Beta: 0.7, SFTWeight: 0.2, KLWeight: 0.1, KLSamples: 2,
		Rng: rand.New(rand.NewPCG(1, 1))}
	g := make([]float64, len(p.Params()))
	o.Loss(items, g)
	if a := testing.AllocsPerRun(20, func() { o.Loss(items, g) }); a != 0 {
		t.Errorf("%v allocations per DPO loss, want 0", a)
	}
}
