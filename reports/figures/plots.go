package figures

import (
	"cmp"
	"fmt"
	"image/color"
	"math"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"gapbench/hypotheses"
	"gapbench/metrics"
)

// labelled names an arm and its label on a figure.
type labelled struct{ arm, label string }

// headline draws the win rates of a suite's headline arms as bars with 95% intervals.
func headline(d *data, s *hypotheses.Suite) (drawer, error) {
	if s.Headline == nil {
		return nil, nil
	}
	var arms []labelled
	for _, a := range s.Headline.Arms {
		arms = append(arms, labelled{a.Arm, cmp.Or(a.Short, a.Label)})
	}
	var (
		ps    points
		names []string
		cols  []color.Color
		es    []estimate
	)
	for _, a := range arms {
		e, ok, err := d.summary(s, a.arm, metrics.WinRate)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		pt := at(float64(len(ps)), e)
		pt.Label = fmt.Sprintf("%.1f", e.Mean)
		pt.LabelX, pt.LabelY = pt.X, pt.Y+pt.YHi
		ps = append(ps, pt)
		names = append(names, a.label)
		cols = append(cols, methodColor(d.method(s, a.arm)))
		es = append(es, e)
	}
	if len(ps) == 0 {
		return nil, nil
	}
	p := newPlot(fmt.Sprintf("Win rate by method (mean, 95%% CI, %s)", seeds(es...)),
		"dashed: the reference writers themselves (50%)", "win rate vs reference writers (%)")
	p.X.Label.TextStyle = textStyle(noteSize, colRef, draw.XCenter, draw.YBottom)
	p.NominalX(names...)
	bs, err := bars(ps, cols, vg.Points(36))
	if err != nil {
		return nil, err
	}
	p.Add(bs...)
	n := float64(len(ps))
	ref, err := hline(50, -0.5, n-0.5)
	if err != nil {
		return nil, err
	}
	eb, err := yErrorBars(ps)
	if err != nil {
		return nil, err
	}
	vl, err := valueLabels(ps, noteSize)
	if err != nil {
		return nil, err
	}
	p.Add(ref, eb, vl)
	p.Y.Min = 0
	return p, nil
}

// rmSize draws H6's online win rate against the size of the reward model, with
// offline DPO's interval as a band.
func rmSize(d *data, s *hypotheses.Suite) (drawer, error) {
	arms := []labelled{
		{"online-rm-w0.25", "¼× width"}, {"online-dpo-sft", "1× width\n(global RM)"},
		{"online-rm-w4", "4× width"}, {"online-rm-linear", "linear"},
	}
	base := s.BaselineArm()
	return rmPanel(d, s, arms, metrics.WinRate, base, base+" (baseline)",
		"Online DPO win rate vs RM size (95%% CI, %s)", "reward model of online DPO", "win rate vs reference writers (%)")
}

// rmSizeBoN draws H6's Best-of-25 gold reward for each reward model, with the
// gold reward of one unselected SFT sample (N = 1) as a band.
func rmSizeBoN(d *data, s *hypotheses.Suite) (drawer, error) {
	arms := []labelled{
		{"rm-w0.25", "¼× width"}, {"rm-global", "1× width\n(global RM)"},
		{"rm-w4", "4× width"}, {"rm-linear", "linear"},
	}
	return rmPanel(d, s, arms, metrics.BestOfNName(25), "rm-global", "",
		"Best-of-25 gold reward vs RM size (95%% CI, %s)", "reward model ranking 25 SFT samples", "gold reward of the best (teacher s.d.)")
}

// rmPanel draws one point with its interval per arm on a nominal axis, and a
// reference band: refArm's interval on the metric, or (when refLabel is empty)
// refArm's bon_1, the gold reward without selection.
func rmPanel(d *data, s *hypotheses.Suite, arms []labelled, metric, refArm, refLabel, title, xLabel, yLabel string) (drawer, error) {
	var (
		ps    points
		names []string
		es    []estimate
	)
	for _, a := range arms {
		e, ok, err := d.summary(s, a.arm, metric)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		pt := at(float64(len(ps)), e)
		pt.Label = fmt.Sprintf("%.3g", e.Mean)
		ps = append(ps, pt)
		names = append(names, a.label)
		es = append(es, e)
	}
	if len(ps) == 0 {
		return nil, nil
	}
	p := newPlot(fmt.Sprintf(title, seeds(es...)), xLabel, yLabel)
	p.NominalX(names...)
	n := float64(len(ps))
	refMetric := metric
	if refLabel == "" {
		refMetric, refLabel = metrics.BestOfNName(1), "one SFT sample (N = 1)"
	}
	ref, ok, err := d.summary(s, refArm, refMetric)
	if err != nil {
		return nil, err
	}
	if ok {
		if err := addBand(p, ref, -0.5, n-0.5, fmt.Sprintf("%s: %.3g", refLabel, ref.Mean)); err != nil {
			return nil, err
		}
	}
	eb, err := yErrorBars(ps)
	if err != nil {
		return nil, err
	}
	sc, err := scatter(ps, methodColor(d.method(s, arms[0].arm)), draw.CircleGlyph{})
	if err != nil {
		return nil, err
	}
	p.Add(eb, sc)
	p.X.Min, p.X.Max = -0.5, n-0.5
	return p, nil
}

// addBand adds a shaded band over an estimate's interval from x0 to x1, a
// dashed line at its mean and a note above the line at the left.
func addBand(p *plot.Plot, e estimate, x0, x1 float64, label string) error {
	if e.CI.Finite() {
		band, err := plotter.NewPolygon(plotter.XYs{{X: x0, Y: e.CI.Lo}, {X: x1, Y: e.CI.Lo}, {X: x1, Y: e.CI.Hi}, {X: x0, Y: e.CI.Hi}})
		if err != nil {
			return err
		}
		band.Color = color.RGBA{R: 0xdd, G: 0xdd, B: 0xdd, A: 0xff}
		band.LineStyle.Width = 0
		p.Add(band)
	}
	line, err := hline(e.Mean, x0, x1)
	if err != nil {
		return err
	}
	txt, err := note(x0, e.Mean, label, draw.XLeft, draw.YBottom)
	if err != nil {
		return err
	}
	p.Add(line, txt)
	return nil
}

// horizon draws H6's online − offline gap under the simple reward against H.
func horizon(d *data, s *hypotheses.Suite) (drawer, error) {
	var (
		ps points
		es []estimate
	)
	for _, h := range hypotheses.Horizons {
		e, ok, err := d.gap(s, hypotheses.GridArm("online", h, "simple"), hypotheses.GridArm("dpo", h, "simple"), metrics.WinRate)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		ps = append(ps, at(float64(h), e))
		es = append(es, e)
	}
	if len(ps) == 0 {
		return nil, nil
	}
	p := newPlot(fmt.Sprintf("Gap vs horizon, simple reward (paired 95%% CI, %s)", seeds(es...)),
		"horizon H (tokens per completion)", "online − DPO win rate (percentage points)")
	lo, hi := float64(slices.Min(hypotheses.Horizons))-0.5, float64(slices.Max(hypotheses.Horizons))+0.5
	zero, err := hline(0, lo, hi)
	if err != nil {
		return nil, err
	}
	line, err := plotter.NewLine(ps)
	if err != nil {
		return nil, err
	}
	line.LineStyle = draw.LineStyle{Color: colOnline, Width: vg.Points(1.5)}
	eb, err := yErrorBars(ps)
	if err != nil {
		return nil, err
	}
	sc, err := scatter(ps, colOnline, draw.CircleGlyph{})
	if err != nil {
		return nil, err
	}
	p.Add(zero, line, eb, sc)
	p.X.Tick.Marker = intTicks(hypotheses.Horizons)
	p.X.Min, p.X.Max = lo, hi
	return p, nil
}

// reward draws H6's gap at H = 4 for each reward class as bars, orange where
// online leads and blue where offline does.
func reward(d *data, s *hypotheses.Suite) (drawer, error) {
	const h = 4
	var (
		ps    points
		names []string
		cols  []color.Color
		es    []estimate
	)
	for _, r := range hypotheses.RewardLevels {
		e, ok, err := d.gap(s, hypotheses.GridArm("online", h, r), hypotheses.GridArm("dpo", h, r), metrics.WinRate)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		ps = append(ps, at(float64(len(ps)), e))
		names = append(names, r)
		c := colOnline
		if e.Mean < 0 {
			c = colOffline
		}
		cols = append(cols, c)
		es = append(es, e)
	}
	if len(ps) == 0 {
		return nil, nil
	}
	p := newPlot(fmt.Sprintf("Gap by reward class at H = %d (paired 95%% CI, %s)", h, seeds(es...)),
		"reward class (harder to verify →)", "online − DPO win rate (percentage points)")
	p.NominalX(names...)
	bs, err := bars(ps, cols, vg.Points(40))
	if err != nil {
		return nil, err
	}
	p.Add(bs...)
	zero, err := hline(0, -0.5, float64(len(ps))-0.5)
	if err != nil {
		return nil, err
	}
	eb, err := yErrorBars(ps)
	if err != nil {
		return nil, err
	}
	p.Add(zero, eb)
	return p, nil
}

// grid is a GridXYZ over horizon (columns) × reward class (rows).
type grid struct {
	xs []float64
	z  [][]float64 // z[row][col]
}

func (g grid) Dims() (c, r int)   { return len(g.xs), len(g.z) }
func (g grid) Z(c, r int) float64 { return g.z[r][c] }
func (g grid) X(c int) float64    { return g.xs[c] }
func (g grid) Y(r int) float64    { return float64(r) }

// gapMap draws H6's mean gap over horizon × reward class as a heat map with a
// diverging colour bar; each cell is annotated with its mean and paired 95%
// interval.
func gapMap(d *data, s *hypotheses.Suite) (drawer, error) {
	hs, rs := hypotheses.Horizons, hypotheses.RewardLevels
	g := grid{xs: make([]float64, len(hs)), z: make([][]float64, len(rs))}
	for c, h := range hs {
		g.xs[c] = float64(h)
	}
	var (
		cells  points
		es     []estimate
		maxAbs float64
	)
	for r, rw := range rs {
		g.z[r] = make([]float64, len(hs))
		for c, h := range hs {
			e, ok, err := d.gap(s, hypotheses.GridArm("online", h, rw), hypotheses.GridArm("dpo", h, rw), metrics.WinRate)
			if err != nil {
				return nil, err
			}
			pt := point{X: float64(h), Y: float64(r), Label: "no runs"}
			g.z[r][c] = math.NaN()
			if ok {
				g.z[r][c] = e.Mean
				maxAbs = math.Max(maxAbs, math.Abs(e.Mean))
				pt.Label = fmt.Sprintf("%+.1f", e.Mean)
				if e.CI.Finite() {
					pt.Label += fmt.Sprintf("\n[%+.1f, %+.1f]", e.CI.Lo, e.CI.Hi)
				}
				es = append(es, e)
			}
			cells = append(cells, pt)
		}
	}
	if len(es) == 0 {
		return nil, nil
	}
	maxAbs = niceCeil(maxAbs)
	cm := moreland.SmoothBlueRed()
	cm.SetMin(-maxAbs)
	cm.SetMax(maxAbs)
	hm := plotter.NewHeatMap(g, cm.Palette(255))
	hm.Min, hm.Max = -maxAbs, maxAbs
	hm.NaN = color.RGBA{R: 0xee, G: 0xee, B: 0xee, A: 0xff}

	p := newPlot(fmt.Sprintf("Online − DPO win-rate gap, pp (95%% CI, %s)", seeds(es...)),
		"horizon H (tokens per completion)", "reward class")
	p.Add(hm)
	labels, err := plotter.NewLabels(plotter.XYLabels{XYs: xysOf(cells), Labels: labelsOf(cells)})
	if err != nil {
		return nil, err
	}
	for i, c := range cells {
		col := color.Color(color.Black)
		if z := g.z[int(c.Y)][i%len(hs)]; !math.IsNaN(z) && math.Abs(z) > 0.6*maxAbs {
			col = color.White
		}
		labels.TextStyle[i] = textStyle(noteSize, col, draw.XCenter, draw.YCenter)
	}
	p.Add(labels)
	p.NominalY(rs...)
	p.X.Tick.Marker = intTicks(hs)
	p.X.Padding, p.Y.Padding = 0, 0

	bar := plot.New()
	bar.Add(colorBar{cm: cm, n: 64})
	bar.HideX()
	bar.X.Padding, bar.Y.Padding = 0, 0
	bar.Y.Tick.Label.Font = sans(tickSize)
	bar.Y.Label.TextStyle.Font = sans(noteSize)
	bar.Y.Label.Text = "online ahead →"
	return withColorBar{p: p, bar: bar, width: vg.Points(58)}, nil
}

// niceCeil rounds x > 0 up to 1, 2, 2.5 or 5 times a power of ten, so that
// a colour scale's ends get round tick labels; it returns 1 for x <= 0.
func niceCeil(x float64) float64 {
	if x <= 0 || math.IsInf(x, 0) || math.IsNaN(x) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(x)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*p >= x {
			return m * p
		}
	}
	return 10 * p
}

// xysOf returns the points' coordinates.
func xysOf(ps points) plotter.XYs {
	xy := make(plotter.XYs, len(ps))
	for i, pt := range ps {
		xy[i].X, xy[i].Y = pt.X, pt.Y
	}
	return xy
}

// labelsOf returns the points' labels.
func labelsOf(ps points) []string {
	s := make([]string, len(ps))
	for i, pt := range ps {
		s[i] = pt.Label
	}
	return s
}

// withColorBar draws a plot with a vertical colour bar at its right, aligned
// with the plot's data area.
type withColorBar struct {
	p, bar *plot.Plot
	width  vg.Length
}

// Draw implements drawer.
func (w withColorBar) Draw(c draw.Canvas) {
	main := draw.Crop(c, 0, -w.width, 0, 0)
	w.p.Draw(main)
	dc := w.p.DataCanvas(main)
	bc := c
	bc.Rectangle = vg.Rectangle{
		Min: vg.Point{X: c.Max.X - w.width + vg.Points(6), Y: dc.Min.Y},
		Max: vg.Point{X: c.Max.X - vg.Points(4), Y: dc.Max.Y},
	}
	w.bar.Draw(bc)
}

// colorBar is a vertical colour bar drawn as filled rectangles: unlike
// plotter.ColorBar, which embeds a raster image that some SVG renderers
// refuse, it is plain vector paths.
type colorBar struct {
	cm palette.ColorMap
	n  int // number of colour steps
}

// Plot implements plot.Plotter.
func (b colorBar) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	lo, hi := b.cm.Min(), b.cm.Max()
	step := (hi - lo) / float64(b.n)
	for i := range b.n {
		v0 := lo + float64(i)*step
		col, err := b.cm.At(v0 + step/2)
		if err != nil {
			panic("figures: " + err.Error()) // v0 + step/2 lies inside [lo, hi]
		}
		// Each step overlaps the next by half a step so that no seam shows.
		top := math.Min(hi, v0+1.5*step)
		r := vg.Rectangle{Min: vg.Point{X: trX(0), Y: trY(v0)}, Max: vg.Point{X: trX(1), Y: trY(top)}}
		c.SetColor(col)
		c.Fill(r.Path())
	}
}

// DataRange implements plot.DataRanger.
func (b colorBar) DataRange() (xmin, xmax, ymin, ymax float64) {
	return 0, 1, b.cm.Min(), b.cm.Max()
}

// bestOfN draws H5's Best-of-N gold reward against N for each reward.
func bestOfN(d *data, s *hypotheses.Suite) (drawer, error) {
	ns := []int{1, 2, 5, 10, 25}
	series := []struct {
		arm, label string
		col        color.Color
		shape      draw.GlyphDrawer
		jitter     float64 // multiplies N so that intervals do not overlap
	}{
		{"rm-global", "global RM", colGreen, draw.CircleGlyph{}, 1 / 1.06},
		{"rm-local", "local RM", colRed, draw.PyramidGlyph{}, 1},
		{"dpo", "DPO implicit reward", colOffline, draw.BoxGlyph{}, 1.06},
	}
	var es []estimate
	p := newPlot("", "N (SFT samples per prompt, log scale)", "gold reward of the best (teacher s.d.)")
	p.Legend.Left = true
	for _, sr := range series {
		var ps points
		for _, n := range ns {
			e, ok, err := d.summary(s, sr.arm, metrics.BestOfNName(n))
			if err != nil {
				return nil, err
			}
			if !ok {
				continue
			}
			ps = append(ps, at(float64(n)*sr.jitter, e))
			es = append(es, e)
		}
		if len(ps) == 0 {
			continue
		}
		line, err := plotter.NewLine(ps)
		if err != nil {
			return nil, err
		}
		line.LineStyle = draw.LineStyle{Color: sr.col, Width: vg.Points(1.5)}
		eb, err := yErrorBars(ps)
		if err != nil {
			return nil, err
		}
		eb.LineStyle.Color = sr.col
		eb.CapWidth = vg.Points(5)
		sc, err := scatter(ps, sr.col, sr.shape)
		if err != nil {
			return nil, err
		}
		p.Add(line, eb, sc)
		p.Legend.Add(sr.label, line, sc)
	}
	if len(es) == 0 {
		return nil, nil
	}
	p.Title.Text = fmt.Sprintf("Best-of-N gold reward by ranker (95%% CI, %s)", seeds(es...))
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = intTicks(ns)
	p.X.Min, p.X.Max = 0.85, 29
	return p, nil
}

// frontier draws gold reward against √KL(π‖π_ref) for every policy arm of the
// gap suite and H1–H3. An arm run by several of these suites with identical
// results is drawn once; otherwise it is labelled with its suite.
func frontier(d *data, _ *hypotheses.Suite) (drawer, error) {
	type entry struct {
		method string
		pt     point
	}
	var (
		entries []entry
		es      []estimate
	)
	seen := map[string][2][]float64{} // arm → its per-seed gold reward and KL
	for _, s := range d.st.Suites {
		if !s.Frontier {
			continue
		}
		for _, a := range s.Arms {
			gold, ok1, err := d.summary(s, a.Name, metrics.GoldReward)
			if err != nil {
				return nil, err
			}
			kl, ok2, err := d.summary(s, a.Name, metrics.KLRef)
			if err != nil {
				return nil, err
			}
			if !ok1 || !ok2 {
				continue
			}
			vals := [2][]float64{d.values(s, a.Name, metrics.GoldReward), d.values(s, a.Name, metrics.KLRef)}
			label := a.Name
			if prev, dup := seen[a.Name]; dup {
				if slices.Equal(prev[0], vals[0]) && slices.Equal(prev[1], vals[1]) {
					continue
				}
				label = s.Name + "/" + a.Name
			} else {
				seen[a.Name] = vals
			}
			// √KL of the mean KL; the interval maps through √ (monotone), its low
			// end clipped at 0 where the KL interval dips below it.
			x := math.Sqrt(math.Max(0, kl.Mean))
			pt := at(x, gold)
			if kl.CI.Finite() {
				pt.XLo = x - math.Sqrt(math.Max(0, kl.CI.Lo))
				pt.XHi = math.Sqrt(math.Max(0, kl.CI.Hi)) - x
			}
			pt.Label = label
			method := d.method(s, a.Name)
			if method != "sft" && method != "online" {
				method = "dpo"
			}
			entries = append(entries, entry{method: method, pt: pt})
			es = append(es, gold)
		}
	}
	if len(entries) == 0 {
		return nil, nil
	}
	p := newPlot(fmt.Sprintf("Gold reward vs distance from π_ref (95%% CI, %s)", seeds(es...)),
		"√KL(π ‖ π_ref) (√nats per prompt)", "gold reward (teacher s.d.)")
	p.Legend.Left = true
	var all points
	for _, e := range entries {
		all = append(all, e.pt)
	}
	xeb, err := plotter.NewXErrorBars(all)
	if err != nil {
		return nil, err
	}
	yeb, err := plotter.NewYErrorBars(all)
	if err != nil {
		return nil, err
	}
	for _, eb := range []*draw.LineStyle{&xeb.LineStyle, &yeb.LineStyle} {
		eb.Color = color.RGBA{R: 0xa0, G: 0xa0, B: 0xa0, A: 0xff}
		eb.Width = vg.Points(0.7)
	}
	xeb.CapWidth, yeb.CapWidth = vg.Points(4), vg.Points(4)
	p.Add(xeb, yeb)
	for _, m := range []struct{ method, label string }{{"sft", "SFT"}, {"dpo", "offline"}, {"online", "online"}} {
		var ps points
		for _, e := range entries {
			if e.method == m.method {
				ps = append(ps, e.pt)
			}
		}
		if len(ps) == 0 {
			continue
		}
		sc, err := scatter(ps, methodColor(m.method), draw.CircleGlyph{})
		if err != nil {
			return nil, err
		}
		p.Add(sc)
		p.Legend.Add(m.label, sc)
	}
	// Arms with identical results (e.g. two settings that both reach the same
	// optimum) share one point and one label.
	var labelled points
	for _, pt := range all {
		j := slices.IndexFunc(labelled, func(q point) bool { return q.X == pt.X && q.Y == pt.Y })
		if j < 0 {
			labelled = append(labelled, pt)
			continue
		}
		labelled[j].Label += " = " + pt.Label
	}
	p.X.Min = 0
	p.Add(placedLabels{pts: labelled, style: textStyle(8, colRef, draw.XLeft, draw.YCenter), gap: vg.Points(5), marker: vg.Points(3.5)})
	return p, nil
}
