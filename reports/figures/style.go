package figures

import (
	"image/color"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Colours from the Okabe–Ito palette, distinguishable under colour-blindness.
var (
	colSFT     = color.RGBA{R: 0x99, G: 0x99, B: 0x99, A: 0xff} // grey
	colOffline = color.RGBA{R: 0x00, G: 0x72, B: 0xb2, A: 0xff} // blue
	colOnline  = color.RGBA{R: 0xe6, G: 0x9f, B: 0x00, A: 0xff} // orange
	colGreen   = color.RGBA{R: 0x00, G: 0x9e, B: 0x73, A: 0xff}
	colRed     = color.RGBA{R: 0xd5, G: 0x5e, B: 0x00, A: 0xff} // vermillion
	colRef     = color.RGBA{R: 0x55, G: 0x55, B: 0x55, A: 0xff} // reference lines
	colErr     = color.Black
)

// methodColor is the colour of an arm's training method.
func methodColor(method string) color.Color {
	switch method {
	case "sft":
		return colSFT
	case "online":
		return colOnline
	case "rm":
		return colGreen
	}
	return colOffline
}

// Font sizes in points.
const (
	titleSize = 13
	labelSize = 11
	tickSize  = 10
	noteSize  = 9
)

// sans is Liberation Sans (bundled with gonum/plot) at size points.
func sans(size float64) font.Font {
	return font.From(font.Font{Typeface: "Liberation", Variant: "Sans"}, vg.Points(size))
}

// textStyle is a plain-text style in sans at size points.
func textStyle(size float64, c color.Color, x text.XAlignment, y text.YAlignment) text.Style {
	return text.Style{Color: c, Font: sans(size), XAlign: x, YAlign: y, Handler: plot.DefaultTextHandler}
}

// newPlot returns a plot with a title, axis labels (with units) and legible
// sans-serif text.
func newPlot(title, xLabel, yLabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font = sans(titleSize)
	p.Title.Padding = vg.Points(6)
	for _, ax := range []*plot.Axis{&p.X, &p.Y} {
		ax.Label.TextStyle.Font = sans(labelSize)
		ax.Tick.Label.Font = sans(tickSize)
	}
	p.X.Label.Text, p.Y.Label.Text = xLabel, yLabel
	p.X.Tick.Marker, p.Y.Tick.Marker = tidyTicks{}, tidyTicks{}
	p.Legend.TextStyle.Font = sans(noteSize)
	p.Legend.ThumbnailWidth = vg.Points(18)
	p.Legend.Top = true
	p.Legend.Padding = vg.Points(2)
	p.Legend.XOffs = vg.Points(6)
	return p
}

// tidyTicks are gonum's default ticks labelled with the fewest decimals that
// show every labelled value exactly ("50", not "50.00"; "0.25" and "0.5").
type tidyTicks struct{}

// Ticks implements plot.Ticker.
func (tidyTicks) Ticks(min, max float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(min, max)
	decimals := 0
	for ; decimals < 6; decimals++ {
		scale, exact := math.Pow10(decimals), true
		for _, t := range ticks {
			if t.Label != "" && math.Abs(math.Round(t.Value*scale)/scale-t.Value) > 1e-9*math.Max(1, math.Abs(t.Value)) {
				exact = false
				break
			}
		}
		if exact {
			break
		}
	}
	for i, t := range ticks {
		if t.Label == "" {
			continue
		}
		l := strconv.FormatFloat(t.Value, 'f', decimals, 64)
		if strings.Trim(l, "-0.") == "" {
			l = strings.TrimPrefix(l, "-")
		}
		ticks[i].Label = l
	}
	return ticks
}

// point is a plotted value with error-bar half-widths on both axes.
type point struct {
	X, Y           float64
	XLo, XHi       float64 // distances from X to the interval's ends
	YLo, YHi       float64 // distances from Y to the interval's ends
	Label          string
	LabelX, LabelY float64 // label anchor, for labels placed away from the point
}

// points implements plotter.XYer, plotter.XErrorer, plotter.YErrorer and
// plotter.Labeller.
type points []point

func (ps points) Len() int                        { return len(ps) }
func (ps points) XY(i int) (float64, float64)     { return ps[i].X, ps[i].Y }
func (ps points) XError(i int) (float64, float64) { return ps[i].XLo, ps[i].XHi }
func (ps points) YError(i int) (float64, float64) { return ps[i].YLo, ps[i].YHi }
func (ps points) Label(i int) string              { return ps[i].Label }

// at places a point at x with the estimate on y.
func at(x float64, e estimate) point {
	lo, hi := e.errs()
	return point{X: x, Y: e.Mean, YLo: lo, YHi: hi}
}

// yErrorBars returns black error bars for the points' y intervals.
func yErrorBars(ps points) (*plotter.YErrorBars, error) {
	eb, err := plotter.NewYErrorBars(ps)
	if err != nil {
		return nil, err
	}
	eb.LineStyle.Width = vg.Points(1.2)
	eb.LineStyle.Color = colErr
	eb.CapWidth = vg.Points(7)
	return eb, nil
}

// scatter returns markers of one colour and shape at the points.
func scatter(ps points, c color.Color, shape draw.GlyphDrawer) (*plotter.Scatter, error) {
	s, err := plotter.NewScatter(ps)
	if err != nil {
		return nil, err
	}
	s.GlyphStyle = draw.GlyphStyle{Color: c, Radius: vg.Points(3.5), Shape: shape}
	return s, nil
}

// hline returns a dashed horizontal reference line at y from x0 to x1.
func hline(y, x0, x1 float64) (*plotter.Line, error) {
	l, err := plotter.NewLine(plotter.XYs{{X: x0, Y: y}, {X: x1, Y: y}})
	if err != nil {
		return nil, err
	}
	l.LineStyle = draw.LineStyle{Color: colRef, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(4), vg.Points(3)}}
	return l, nil
}

// note returns a label in small grey text anchored at (x, y) with the given
// alignment.
func note(x, y float64, s string, xa text.XAlignment, ya text.YAlignment) (*plotter.Labels, error) {
	l, err := plotter.NewLabels(plotter.XYLabels{XYs: plotter.XYs{{X: x, Y: y}}, Labels: []string{s}})
	if err != nil {
		return nil, err
	}
	l.TextStyle[0] = textStyle(noteSize, colRef, xa, ya)
	l.Offset = vg.Point{X: vg.Points(3), Y: vg.Points(2)}
	return l, nil
}

// valueLabels returns one label per point, anchored at the point's label
// anchor, in small text centred above it.
func valueLabels(ps points, size float64) (*plotter.Labels, error) {
	xy := make(plotter.XYs, len(ps))
	strs := make([]string, len(ps))
	for i := range ps {
		xy[i].X, xy[i].Y = ps[i].LabelX, ps[i].LabelY
		strs[i] = ps[i].Label
	}
	l, err := plotter.NewLabels(plotter.XYLabels{XYs: xy, Labels: strs})
	if err != nil {
		return nil, err
	}
	for i := range l.TextStyle {
		l.TextStyle[i] = textStyle(size, color.Black, draw.XCenter, draw.YBottom)
	}
	l.Offset = vg.Point{Y: vg.Points(3)}
	return l, nil
}

// bars returns one bar per point, each in its colour, centred on x = 0, 1, …
func bars(ps points, cols []color.Color, width vg.Length) ([]plot.Plotter, error) {
	var out []plot.Plotter
	for i, pt := range ps {
		b, err := plotter.NewBarChart(plotter.Values{pt.Y}, width)
		if err != nil {
			return nil, err
		}
		b.XMin = pt.X
		b.Color = cols[i]
		b.LineStyle.Width = 0
		out = append(out, b)
	}
	return out, nil
}

// intTicks labels the integers in xs.
func intTicks(xs []int) plot.ConstantTicks {
	t := make(plot.ConstantTicks, len(xs))
	for i, x := range xs {
		t[i] = plot.Tick{Value: float64(x), Label: strconv.Itoa(x)}
	}
	return t
}

// placedLabels draws one label beside each point. It tries positions around
// the point in rings of growing distance and takes, among those inside the
// data area, the one overlapping markers and earlier labels least, then the
// nearest (crossing an error bar counts as one ring further), then the one
// crossing error bars least. Labels off the nearest ring get a leader line.
// Placement depends only on the points, so it is deterministic.
type placedLabels struct {
	pts    points
	style  text.Style
	gap    vg.Length // distance between a point and its label
	marker vg.Length // radius of the markers to keep clear
}

// Plot implements plot.Plotter.
func (l placedLabels) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	var hard, bars []vg.Rectangle // markers and placed labels; error bars
	for _, pt := range l.pts {
		x, y := trX(pt.X), trY(pt.Y)
		hard = append(hard, vg.Rectangle{Min: vg.Point{X: x - l.marker, Y: y - l.marker}, Max: vg.Point{X: x + l.marker, Y: y + l.marker}})
		const half = 1.5 // error bars as thin boxes
		bars = append(bars,
			vg.Rectangle{Min: vg.Point{X: trX(pt.X - pt.XLo), Y: y - half}, Max: vg.Point{X: trX(pt.X + pt.XHi), Y: y + half}},
			vg.Rectangle{Min: vg.Point{X: x - half, Y: trY(pt.Y - pt.YLo)}, Max: vg.Point{X: x + half, Y: trY(pt.Y + pt.YHi)}})
	}
	type place struct {
		dx, dy vg.Length
		xa     text.XAlignment
		ya     text.YAlignment
		ring   int // 0 next to the point; further rings get a leader line
	}
	var places []place
	for ring, g := range []vg.Length{l.gap, 3.5 * l.gap, 6 * l.gap} {
		d := g * 0.7
		places = append(places,
			place{g, 0, draw.XLeft, draw.YCenter, ring}, place{-g, 0, draw.XRight, draw.YCenter, ring},
			place{0, g, draw.XCenter, draw.YBottom, ring}, place{0, -g, draw.XCenter, draw.YTop, ring},
			place{d, d, draw.XLeft, draw.YBottom, ring}, place{d, -d, draw.XLeft, draw.YTop, ring},
			place{-d, d, draw.XRight, draw.YBottom, ring}, place{-d, -d, draw.XRight, draw.YTop, ring})
	}
	inside := func(r vg.Rectangle) bool {
		return r.Min.X >= c.Min.X && r.Max.X <= c.Max.X && r.Min.Y >= c.Min.Y && r.Max.Y <= c.Max.Y
	}
	overlap := func(r vg.Rectangle, with []vg.Rectangle) (area vg.Length) {
		for _, t := range with {
			w := min(r.Max.X, t.Max.X) - max(r.Min.X, t.Min.X)
			h := min(r.Max.Y, t.Max.Y) - max(r.Min.Y, t.Min.Y)
			if w > 0 && h > 0 {
				area += w * h
			}
		}
		return area
	}
	// cost orders the candidates: least overlap with markers and labels first,
	// then nearest ring (crossing an error bar counts as one ring further),
	// then least overlap with error bars, then the order of places.
	type cost struct {
		hard  vg.Length
		ring  int
		soft  vg.Length
		index int
	}
	less := func(a, b cost) bool {
		switch {
		case a.hard != b.hard:
			return a.hard < b.hard
		case a.ring != b.ring:
			return a.ring < b.ring
		case a.soft != b.soft:
			return a.soft < b.soft
		}
		return a.index < b.index
	}
	for _, pt := range l.pts {
		if pt.Label == "" {
			continue
		}
		x, y := trX(pt.X), trY(pt.Y)
		best, bestBox, bestCost := -1, vg.Rectangle{}, cost{}
		for i, pl := range places {
			sty := l.style
			sty.XAlign, sty.YAlign = pl.xa, pl.ya
			box := sty.Rectangle(pt.Label).Add(vg.Point{X: x + pl.dx, Y: y + pl.dy})
			if !inside(box) {
				continue
			}
			k := cost{hard: overlap(box, hard), ring: pl.ring, soft: overlap(box, bars), index: i}
			if k.soft > 0 {
				k.ring++
			}
			if best < 0 || less(k, bestCost) {
				best, bestBox, bestCost = i, box, k
			}
		}
		if best < 0 {
			best = 0
		}
		pl := places[best]
		sty := l.style
		sty.XAlign, sty.YAlign = pl.xa, pl.ya
		at := vg.Point{X: x + pl.dx, Y: y + pl.dy}
		if pl.ring > 0 {
			// from the marker's edge to the label's anchor, pulled back by the near gap
			n := vg.Length(math.Hypot(float64(pl.dx), float64(pl.dy)))
			ux, uy := pl.dx/n, pl.dy/n
			c.StrokeLine2(draw.LineStyle{Color: l.style.Color, Width: vg.Points(0.5)},
				x+ux*l.marker, y+uy*l.marker, at.X-ux*l.gap/2, at.Y-uy*l.gap/2)
		}
		c.FillText(sty, at, pt.Label)
		hard = append(hard, bestBox)
	}
}
