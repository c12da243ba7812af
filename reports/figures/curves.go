package figures

import (
	"fmt"
	"image/color"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"gapbench/hypotheses"
	"gapbench/metrics"
)

// armPalette colours the arms of a curves figure: the Okabe–Ito palette,
// distinguishable under colour-blindness, yellow left out (too light on white).
var armPalette = []color.RGBA{
	{R: 0x00, G: 0x72, B: 0xb2, A: 0xff}, // blue
	{R: 0xe6, G: 0x9f, B: 0x00, A: 0xff}, // orange
	{R: 0x00, G: 0x9e, B: 0x73, A: 0xff}, // bluish green
	{R: 0xd5, G: 0x5e, B: 0x00, A: 0xff}, // vermillion
	{R: 0xcc, G: 0x79, B: 0xa7, A: 0xff}, // reddish purple
	{R: 0x56, G: 0xb4, B: 0xe9, A: 0xff}, // sky blue
	{R: 0x00, G: 0x00, B: 0x00, A: 0xff}, // black
}

// curve returns an arm's probe of a metric over training: the steps probed
// on every seed, in order, and at each the mean over seeds with its 95%
// interval (stats.Summarize). It returns no steps when the arm stored no
// such curve (SFT and reward-model runs train no policy). Any figure can draw
// a probed metric with it; under a protocol that probes gold reward along the
// path, the gold-reward-versus-√KL paths per arm are curve(gold) against
// curve(kl_ref).
func (d *data) curve(s *hypotheses.Suite, arm, metric string) ([]float64, []estimate, error) {
	k := s.Name + "/" + arm + "/" + metric
	if c, ok := d.crvs[k]; ok {
		return c.steps, c.es, nil
	}
	steps, es, err := d.computeCurve(s, arm, metric)
	if err == nil {
		d.crvs[k] = curveData{steps, es}
	}
	return steps, es, err
}

func (d *data) computeCurve(s *hypotheses.Suite, arm, metric string) ([]float64, []estimate, error) {
	bySeed := map[int]map[float64]float64{}
	var seedOrder []int
	for _, o := range d.st.Outcomes {
		if o.Job.Suite != s.Name || o.Job.Arm != arm || o.Result == nil {
			continue
		}
		steps, vals := o.Result.Curves[metrics.ProbeStep], o.Result.Curves[metric]
		if len(vals) == 0 || len(steps) != len(vals) {
			continue
		}
		m := map[float64]float64{}
		for i, st := range steps {
			m[st] = vals[i]
		}
		if _, dup := bySeed[o.Job.Seed]; !dup {
			seedOrder = append(seedOrder, o.Job.Seed)
		}
		bySeed[o.Job.Seed] = m
	}
	if len(seedOrder) == 0 {
		return nil, nil, nil
	}
	slices.Sort(seedOrder)
	var common []float64
	for st := range bySeed[seedOrder[0]] {
		all := true
		for _, seed := range seedOrder[1:] {
			if _, ok := bySeed[seed][st]; !ok {
				all = false
				break
			}
		}
		if all {
			common = append(common, st)
		}
	}
	slices.Sort(common)
	es := make([]estimate, len(common))
	x := make([]float64, len(seedOrder))
	for i, st := range common {
		for j, seed := range seedOrder {
			x[j] = bySeed[seed][st]
		}
		e, err := d.summarize(x)
		if err != nil {
			return nil, nil, fmt.Errorf("%s/%s %s at step %g: %w", s.Name, arm, metric, st, err)
		}
		es[i] = e
	}
	return common, es, nil
}

// curveArms lists the arms a suite's curves figure draws: those the suite
// declares (Suite.CurveArms), else every arm, keeping those with probes, at
// most one per palette colour.
func curveArms(d *data, s *hypotheses.Suite) ([]string, error) {
	names := s.CurveArms
	if len(names) == 0 {
		for _, a := range s.Arms {
			names = append(names, a.Name)
		}
	}
	var out []string
	for _, a := range names {
		steps, _, err := d.curve(s, a, metrics.WinRate)
		if err != nil {
			return nil, err
		}
		if len(steps) > 0 && len(out) < len(armPalette) {
			out = append(out, a)
		}
	}
	return out, nil
}

// curvesFigure draws a suite's training curves: win rate and KL(π‖π_ref)
// against the optimiser step, one line per arm at the mean over seeds with its
// 95% interval as a band. It returns nil when no arm of the suite has probes.
func curvesFigure(d *data, s *hypotheses.Suite) (drawer, error) {
	armNames, err := curveArms(d, s)
	if err != nil || len(armNames) == 0 {
		return nil, err
	}
	panels := []struct {
		metric, title, yLabel string
	}{
		{metrics.WinRate, s.Name + ": win rate (mean, 95% band)", "win rate vs reference writers (%)"},
		{metrics.KLRef, s.Name + ": KL(π‖π_ref) (mean, 95% band)", "KL(π‖π_ref) (nats per prompt)"},
	}
	var plots []*plot.Plot
	var es []estimate
	for k, pn := range panels {
		p := newPlot(pn.title, "", pn.yLabel)
		p.Legend.Left = true
		var bands, lines []plot.Plotter
		for i, a := range armNames {
			steps, e, err := d.curve(s, a, pn.metric)
			if err != nil {
				return nil, err
			}
			if len(steps) == 0 {
				continue
			}
			es = append(es, e[0])
			line, err := curveLine(steps, e, armPalette[i])
			if err != nil {
				return nil, err
			}
			bands = append(bands, line[:len(line)-1]...)
			lines = append(lines, line[len(line)-1])
			if k == len(panels)-1 {
				p.Legend.Add(a, line[len(line)-1].(plot.Thumbnailer))
			}
		}
		p.Add(bands...) // every band under every line
		p.Add(lines...)
		plots = append(plots, p)
	}
	for _, p := range plots {
		p.X.Label.Text = fmt.Sprintf("optimiser step (%s)", seeds(es...))
	}
	return tiled{plots: plots}, nil
}

// curveLine is a band over the estimates' intervals (where finite) and a line
// through their means, in one colour.
func curveLine(steps []float64, es []estimate, c color.RGBA) ([]plot.Plotter, error) {
	var out []plot.Plotter
	var lo, hi plotter.XYs
	for i, e := range es {
		if e.CI.Finite() {
			lo = append(lo, plotter.XY{X: steps[i], Y: e.CI.Lo})
			hi = append(hi, plotter.XY{X: steps[i], Y: e.CI.Hi})
		}
	}
	if len(lo) == len(es) && len(lo) > 1 {
		ring := append(slices.Clone(lo), reversed(hi)...)
		band, err := plotter.NewPolygon(ring)
		if err != nil {
			return nil, err
		}
		band.Color = color.NRGBA{R: c.R, G: c.G, B: c.B, A: 0x38} // not premultiplied: RGBA would darken it
		band.LineStyle.Width = 0
		out = append(out, band)
	}
	mean := make(plotter.XYs, len(es))
	for i, e := range es {
		mean[i] = plotter.XY{X: steps[i], Y: e.Mean}
	}
	line, err := plotter.NewLine(mean)
	if err != nil {
		return nil, err
	}
	line.LineStyle = draw.LineStyle{Color: c, Width: vg.Points(1.5)}
	return append(out, line), nil
}

func reversed(xs plotter.XYs) plotter.XYs {
	out := slices.Clone(xs)
	slices.Reverse(out)
	return out
}

// tiled draws plots side by side with aligned axes.
type tiled struct{ plots []*plot.Plot }

// Draw implements drawer.
func (t tiled) Draw(c draw.Canvas) {
	tiles := draw.Tiles{Rows: 1, Cols: len(t.plots), PadX: vg.Points(12), PadTop: vg.Points(2), PadBottom: vg.Points(2)}
	cs := plot.Align([][]*plot.Plot{t.plots}, tiles, c)
	for i, p := range t.plots {
		p.Draw(cs[0][i])
	}
}
