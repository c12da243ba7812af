package figures

import (
	"fmt"
	"image/color"
	"math"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"gapbench/hypotheses"
	"gapbench/stats"
)

// valuesIn returns one arm's per-seed values of a metric under protocol p.
func (d *data) valuesIn(p string, s *hypotheses.Suite, arm, metric string) []float64 {
	k := p + ":" + s.Name + "/" + arm
	m, ok := d.vals[k]
	if !ok {
		m = d.st.ArmValuesIn(p, s, arm)
		d.vals[k] = m
	}
	return m[metric]
}

// dataSize draws the data-size suite's gap, exact RLHF − tuned DPO win rate with
// its paired 95% interval, against the number of pairs n, one line per reward
// model.
func dataSize(d *data, s *hypotheses.Suite) (drawer, error) {
	if s == nil || !slices.Contains(d.st.Protocols, hypotheses.Tuned) {
		return nil, nil
	}
	p := newPlot("", "preference pairs n (log scale)", "exact RLHF − tuned DPO win rate (points)")
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = intTicks(hypotheses.DataSizes)
	p.Legend.Top = true
	cols := []color.Color{colOnline, color.RGBA{R: 0x59, G: 0x8e, B: 0x3f, A: 0xff}}
	var es []estimate
	lo, hi := float64(hypotheses.DataSizes[0])/1.3, float64(hypotheses.DataSizes[len(hypotheses.DataSizes)-1])*1.3
	zero, err := hline(0, lo, hi)
	if err != nil {
		return nil, err
	}
	p.Add(zero)
	for i, v := range hypotheses.DataVerifiers {
		var ps points
		for _, n := range hypotheses.DataSizes {
			a := d.valuesIn(hypotheses.Tuned, s, hypotheses.DataArm(v.Arm, n), "win_rate")
			b := d.valuesIn(hypotheses.Tuned, s, hypotheses.DataArm("dpo", n), "win_rate")
			if len(a) == 0 || len(a) != len(b) {
				continue
			}
			pr, err := stats.ComparePaired(a, b, d.opt)
			if err != nil {
				return nil, fmt.Errorf("data: %s at n = %d: %w", v.Label, n, err)
			}
			// Offset the two verifiers slightly so their bars do not overlap.
			e := estimate{Mean: pr.Mean, CI: pr.CI, N: pr.N}
			ps = append(ps, at(float64(n)*math.Pow(1.06, float64(2*i-1)), e))
			es = append(es, e)
		}
		if len(ps) == 0 {
			continue
		}
		line, err := plotter.NewLine(ps)
		if err != nil {
			return nil, err
		}
		line.LineStyle = draw.LineStyle{Color: cols[i%len(cols)], Width: vg.Points(1.5)}
		eb, err := yErrorBars(ps)
		if err != nil {
			return nil, err
		}
		sc, err := scatter(ps, cols[i%len(cols)], draw.CircleGlyph{})
		if err != nil {
			return nil, err
		}
		p.Add(line, eb, sc)
		p.Legend.Add(v.Label+" RM", line, sc)
	}
	if len(es) == 0 {
		return nil, nil
	}
	p.Title.Text = fmt.Sprintf("Gap vs number of pairs, tuned (paired 95%% CI, %s)", seeds(es...))
	p.X.Min, p.X.Max = lo, hi
	return p, nil
}

// frontierPaths draws, for the suite under the frontier protocol, each arm's
// mean win rate against KL(π‖π_ref) along its training path — at each KL the
// mean over the seeds whose path reaches it (drawn where at least half do) —
// with 95% intervals at the claims' KL levels, and the oracle rows (π*_β of the
// gold reward, π_ref·exp(r̂/β) of each RM) as points at their own KL.
func frontierPaths(d *data, s *hypotheses.Suite) (drawer, error) {
	if s == nil || !slices.Contains(d.st.Protocols, hypotheses.Frontier) {
		return nil, nil
	}
	p := newPlot("", "KL(π ‖ π_ref) (nats per prompt)", "win rate vs the reference writers (%)")
	p.Legend.Left, p.Legend.Top = true, true
	palette := []color.Color{colOnline, color.RGBA{R: 0x2b, G: 0x6c, B: 0xb0, A: 0xff}, color.RGBA{R: 0x59, G: 0x8e, B: 0x3f, A: 0xff},
		color.RGBA{R: 0x8e, G: 0x44, B: 0xad, A: 0xff}, color.RGBA{R: 0x7f, G: 0x7f, B: 0x7f, A: 0xff}}
	oracle := map[string]bool{}
	for _, o := range s.Oracles {
		oracle[o] = true
	}
	drawn := 0
	maxKL := 0.0
	for i, a := range s.ArmsUnder(hypotheses.Frontier, d.st.Budget) {
		if oracle[a.Name] || len(d.valuesIn(hypotheses.Frontier, s, a.Name, "kl_ref")) == 0 {
			continue // an oracle is a point, drawn below; an arm without results is left out
		}
		col := palette[i%len(palette)]
		var line points
		for k := 0.05; k <= 16; k *= 1.15 {
			x, reach, err := d.st.FrontierValues(hypotheses.Frontier, s, a.Name, hypotheses.LevelMetric("win_rate", k))
			if err != nil {
				return nil, err
			}
			got := reachedValues(x, reach)
			if len(x) == 0 || 2*len(got) < len(x) {
				continue
			}
			line = append(line, point{X: k, Y: mean(got)})
			maxKL = math.Max(maxKL, k)
		}
		if len(line) < 2 {
			continue
		}
		l, err := plotter.NewLine(line)
		if err != nil {
			return nil, err
		}
		l.LineStyle = draw.LineStyle{Color: col, Width: vg.Points(1.5)}
		var marks points
		for _, lv := range hypotheses.FrontierLevels {
			x, reach, err := d.st.FrontierValues(hypotheses.Frontier, s, a.Name, hypotheses.LevelMetric("win_rate", lv))
			if err != nil {
				return nil, err
			}
			got := reachedValues(x, reach)
			if len(got) < 2 {
				continue
			}
			sm, err := stats.Summarize(got, d.opt)
			if err != nil {
				return nil, err
			}
			// Offset each arm's bars a little so that they do not overlap.
			marks = append(marks, at(lv*(1+0.015*float64(drawn)), estimate{Mean: sm.Mean, CI: sm.CI, N: sm.N}))
		}
		p.Add(l)
		if len(marks) > 0 {
			eb, err := yErrorBars(marks)
			if err != nil {
				return nil, err
			}
			eb.LineStyle.Color = col
			sc, err := scatter(marks, col, draw.CircleGlyph{})
			if err != nil {
				return nil, err
			}
			p.Add(eb, sc)
		}
		p.Legend.Add(a.Name, l)
		drawn++
	}
	for i, name := range s.Oracles {
		win := d.valuesIn(hypotheses.Frontier, s, name, "win_rate")
		kl := d.valuesIn(hypotheses.Frontier, s, name, "kl_ref")
		if len(win) == 0 || len(kl) != len(win) {
			continue
		}
		pt := point{X: mean(kl), Y: mean(win), Label: name}
		sc, err := scatter(points{pt}, palette[(i+2)%len(palette)], draw.PyramidGlyph{})
		if err != nil {
			return nil, err
		}
		sc.GlyphStyle.Radius = vg.Points(4)
		p.Add(sc)
		p.Legend.Add(name+" (oracle)", sc)
		maxKL = math.Max(maxKL, pt.X)
		drawn++
	}
	if drawn == 0 {
		return nil, nil
	}
	p.Title.Text = fmt.Sprintf("Win rate vs KL along training paths (frontier, %d seeds)", d.st.Seeds)
	p.X.Min, p.X.Max = 0, maxKL*1.05
	return p, nil
}

// reachedValues keeps the values of the seeds whose arm reached the KL level.
func reachedValues(x []float64, reach []hypotheses.Reach) []float64 {
	var got []float64
	for j, v := range x {
		if reach[j] == hypotheses.Reached {
			got = append(got, v)
		}
	}
	return got
}

func mean(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}
