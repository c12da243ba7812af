package model

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gapbench/internal/gradcheck"
)

// TestFisherDiag checks Projection.FisherDiag against its definition as the
// mean over prompts of E_π[(∂_i log π(y|x))²], the scores by five-point
// differences of Enumerate.
func TestFisherDiag(t *testing.T) {
	for _, c := range projectionCases(t) {
		proj := NewProjection(c.pi, c.inputs, c.targets)
		if !proj.HasFisherDiag() {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			params := c.pi.Params()
			got := make([]float64, len(params))
			proj.FisherDiag(got)
			n := c.pi.Space().Size()
			lp := make([]float64, n)
			logp := make([][]float64, len(c.inputs))
			for j, x := range c.inputs {
				logp[j] = make([]float64, n)
				c.pi.Enumerate(x, logp[j])
			}
			score := make([]float64, n)
			h := gradcheck.Step
			worst, nonzero := 0.0, 0
			for i := range params {
				want := 0.0
				for j, x := range c.inputs {
					clear(score)
					old := params[i]
					for _, st := range []struct{ d, w float64 }{{2 * h, -1}, {h, 8}, {-h, -8}, {-2 * h, 1}} {
						params[i] = old + st.d
						c.pi.Enumerate(x, lp)
						for y, l := range lp {
							score[y] += st.w * l / (12 * h)
						}
					}
					params[i] = old
					for y, s := range score {
						want += math.Exp(logp[j][y]) * s * s
					}
				}
				want /= float64(len(c.inputs))
				if got[i] != 0 {
					nonzero++
				}
				worst = math.Max(worst, math.Abs(got[i]-want)/math.Max(1e-3, math.Max(math.Abs(got[i]), math.Abs(want))))
			}
			if nonzero == 0 {
				t.Fatal("the Fisher diagonal is identically zero")
			}
			if worst > 1e-6 {
				t.Errorf("worst relative error %.3g, want < 1e-6", worst)
			}
			t.Logf("worst relative error %.3g over %d parameters", worst, len(params))
		})
	}
}

// TestProjectionSecond checks that Eval's second value is the mean KL to the
// second targets, as a projection onto them computes it, with and without a
// gradient, on the serial and the batched walks.
func TestProjectionSecond(t *testing.T) {
	cases := projectionCases(t)
	for _, c := range cases {
		if _, ok := c.pi.(*MLP); !ok {
			continue
		}
		second := make([][]float64, len(c.targets))
		for j, tg := range c.targets {
			second[j] = make([]float64, len(tg))
			for y := range tg {
				second[j][y] = tg[(y*7+3)%len(tg)] // a permutation: still normalised
			}
		}
		proj := NewProjection(c.pi, c.inputs, c.targets)
		proj.Second = second
		want := NewProjection(c.pi, c.inputs, second).Eval(nil)
		for _, serial := range []bool{false, true} {
			proj.mp.serial = serial
			grad := make([]float64, len(c.pi.Params()))
			l1 := proj.Eval(grad)
			g1 := proj.SecondValue()
			l0 := proj.Eval(nil)
			g0 := proj.SecondValue()
			if l0 != l1 || math.Abs(g1-want) > 1e-12*math.Max(1, want) || math.Abs(g0-want) > 1e-12*math.Max(1, want) {
				t.Errorf("%s serial=%v: L %v/%v, second %v/%v, want %v", c.name, serial, l1, l0, g1, g0, want)
			}
		}
	}
}

// TestFisherDiagBatched checks that the batched walk of the leaves' parents
// (leafParentsForward) gives the serial walk's Fisher diagonal bit for bit, at
// every width the batched kernels take and at several horizons, with
// parameters that make units inactive (zeros, large negative values); widths
// over 64 take it 64 units at a time.
func TestFisherDiagBatched(t *testing.T) {
	inputs := []Input{testInput(), {ID: 0, Bag: []Feature{{1, 0.5}, {2, 0.5}}}, {ID: 2, Bag: []Feature{{4, 1}}}}
	for _, h := range []int{2, 3, 4} {
		for _, width := range []int{1, 2, 7, 33, 63, 64, 100, 128, 130} {
			for _, perturb := range []bool{false, true} {
				name := fmt.Sprintf("H%d/w%d/perturb=%v", h, width, perturb)
				t.Run(name, func(t *testing.T) {
					m := NewMLP(Space{V: 8, H: h}, 5, width, MLPInit{In: 0.7, Out: 1.5}, rand.New(rand.NewPCG(uint64(h*100+width), 1)))
					if perturb {
						ps := m.Params()
						for i := range ps {
							switch i % 7 {
							case 0:
								ps[i] = 0
							case 3:
								ps[i] = math.Copysign(0, -1)
							case 5:
								ps[i] *= -30
							}
						}
					}
					targets := make([][]float64, len(inputs))
					for i := range targets {
						targets[i] = make([]float64, m.Space().Size())
					}
					proj := NewProjection(m, inputs, targets)
					if !proj.mp.batchLeafParents() {
						t.Fatal("the batched walk does not serve this shape")
					}
					batched := make([]float64, len(m.Params()))
					proj.FisherDiag(batched)
					proj.mp.serial = true
					serial := make([]float64, len(m.Params()))
					proj.FisherDiag(serial)
					for i := range serial {
						if math.Float64bits(batched[i]) != math.Float64bits(serial[i]) {
							t.Fatalf("parameter %d: batched %v, serial %v", i, batched[i], serial[i])
						}
					}
				})
			}
		}
	}
}
