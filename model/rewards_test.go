package model

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestRewards checks each reward model's Rewards against Reward, bit for bit,
// on every completion, for horizons 1 to 4 and a width above 64 units.
func TestRewards(t *testing.T) {
	x := testInput()
	for _, sp := range []Space{{V: 4, H: 1}, {V: 3, H: 2}, {V: 4, H: 3}, {V: 5, H: 4}} {
		rng := rand.New(rand.NewPCG(uint64(sp.V), uint64(sp.H)))
		init := func(d int) *MLP {
			m := NewMLP(sp, 5, d, MLPInit{In: 0.7, Out: 1.5}, rng)
			normal(rng, m.b, 0.3)
			return m
		}
		lin := NewLinearRM(sp, 5)
		normal(rng, lin.params, 1)
		for _, tc := range []struct {
			name string
			rm   RewardEnumerator
		}{
			{"backbone-7", NewBackboneRM(init(7), 1, rng)},
			{"backbone-70", NewBackboneRM(init(70), 1, rng)},
			{"linear", lin},
			{"local", NewLocalRM(init(9), 0.3)},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got := make([]float64, sp.Size())
				tc.rm.Rewards(x, got)
				y := make([]int, sp.H)
				for i, g := range got {
					sp.Decode(i, y)
					if want := tc.rm.Reward(x, y, nil, 0); math.Float64bits(g) != math.Float64bits(want) {
						t.Fatalf("%v H=%d: completion %v: Rewards %v, Reward %v", sp, sp.H, y, g, want)
					}
				}
			})
		}
	}
}
