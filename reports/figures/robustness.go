package figures

import (
	"fmt"
	"image/color"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"gapbench/recipe"
	"gapbench/robustness"
	"gapbench/stats"
)

// claimColors tell a suite's deciding claims apart in the robustness figures.
var claimColors = []color.Color{colOnline, colOffline, colGreen, colRed,
	color.RGBA{R: 0xcc, G: 0x79, B: 0xa7, A: 0xff}, color.RGBA{R: 0x56, G: 0xb4, B: 0xe9, A: 0xff}}

// protocolGlyphs tell protocols apart in the robustness figures, one per
// protocol of recipe.ProtocolNames (in that order), the same in every figure.
var protocolGlyphs = []draw.GlyphDrawer{draw.CircleGlyph{}, draw.TriangleGlyph{}, draw.SquareGlyph{}}

// protocolGlyph is the marker of protocol p.
func protocolGlyph(p string) draw.GlyphDrawer {
	return protocolGlyphs[max(0, slices.Index(recipe.ProtocolNames, p))%len(protocolGlyphs)]
}

// protocolKey names each protocol's marker, for the captions.
func protocolKey(protos []string) string {
	var parts []string
	for _, p := range protos {
		var shape string
		switch protocolGlyph(p).(type) {
		case draw.CircleGlyph:
			shape = "circles"
		case draw.TriangleGlyph:
			shape = "triangles"
		default:
			shape = "squares"
		}
		parts = append(parts, shape+" "+p)
	}
	return strings.Join(parts, ", ")
}

// dialGrid draws a grid of plots aligned on one canvas.
type dialGrid struct {
	plots [][]*plot.Plot
	tiles draw.Tiles
}

// Draw implements drawer.
func (t dialGrid) Draw(c draw.Canvas) {
	cs := plot.Align(t.plots, t.tiles, c)
	for j := range t.plots {
		for i, p := range t.plots[j] {
			if p != nil {
				p.Draw(cs[j][i])
			}
		}
	}
}

// RobustnessFile is a robustness figure with its caption.
type RobustnessFile struct {
	File
	Caption string
}

// RobustnessLegend says how to read every robustness figure; a report prints it
// once, above the figures, whose own captions name the suite and the markers.
const RobustnessLegend = "Each figure shows a suite's deciding claims: each claim's Δ (paired 95% interval) against each dial, one dial at a time, on one y scale; colours tell the claims apart and markers the protocols; * marks the default world; dashed lines are the decision margins, the solid line Δ = 0; claims not applicable at a dial value are left out."

// Robustness draws one figure per hypothesis of an evaluated robustness grid:
// one panel per dial, the paired Δ of each deciding claim (95% interval) at each
// of the dial's values, and the claim's decision margin as dashed lines (±margin for equivalence claims, the
// predicted side's margin for superiority claims) around a solid zero line.
// Claims that do not apply at a dial value are left out of that panel. Each
// protocol has its own marker, the same in every figure.
func Robustness(g *robustness.Grid) ([]RobustnessFile, error) {
	var out []RobustnessFile
	var suites []string
	for _, r := range g.Rows {
		if !slices.Contains(suites, r.Suite) {
			suites = append(suites, r.Suite)
		}
	}
	for _, s := range suites {
		var protos []string
		for _, r := range g.Rows {
			if r.Suite == s && !slices.Contains(protos, r.Protocol) {
				protos = append(protos, r.Protocol)
			}
		}
		dr, err := robustnessFigure(g, s)
		if err != nil {
			return nil, fmt.Errorf("figures: robustness %s: %w", s, err)
		}
		if dr == nil {
			continue
		}
		w := 11 * vg.Inch
		h := 5.5 * vg.Inch
		svg, err := writeSVG(dr, w, h)
		if err != nil {
			return nil, fmt.Errorf("figures: robustness %s: %w", s, err)
		}
		out = append(out, RobustnessFile{File: File{Name: "robustness_" + s + ".svg", Data: svg},
			Caption: fmt.Sprintf("%s's deciding claims (%s).", s, protocolKey(protos))})
	}
	return out, nil
}

// robustnessFigure lays out one panel per dial for suite s.
func robustnessFigure(g *robustness.Grid, s string) (drawer, error) {
	var rows []robustness.Row
	var claims, protos []string
	for _, r := range g.Rows {
		if r.Suite != s {
			continue
		}
		rows = append(rows, r)
		if !slices.Contains(claims, r.Claim) {
			claims = append(claims, r.Claim)
		}
		if !slices.Contains(protos, r.Protocol) {
			protos = append(protos, r.Protocol)
		}
	}
	var dials []string
	for _, pp := range g.Plan.Points {
		if pp.Dial != "" && !slices.Contains(dials, pp.Dial) {
			dials = append(dials, pp.Dial)
		}
	}
	if len(rows) == 0 || len(dials) == 0 {
		return nil, nil
	}
	// Claims of a suite may be on different metrics; the y label names them.
	var metrics []string
	var margins []float64
	for _, r := range rows {
		if !r.Applicable {
			continue
		}
		c := r.Result.Claim
		if !slices.Contains(metrics, c.Metric) {
			metrics = append(metrics, c.Metric)
		}
		var ms []float64
		switch {
		case c.Kind == stats.Equivalence:
			ms = []float64{-c.Margin, c.Margin}
		case c.Predict == stats.Less:
			ms = []float64{-c.Margin}
		default:
			ms = []float64{c.Margin}
		}
		for _, m := range ms {
			if m != 0 && !slices.Contains(margins, m) {
				margins = append(margins, m)
			}
		}
	}
	cols := 4
	nrows := (len(dials) + cols - 1) / cols
	plots := make([][]*plot.Plot, nrows)
	for j := range plots {
		plots[j] = make([]*plot.Plot, cols)
	}
	type xpos struct{ dial, value, tick string }
	for di, dial := range dials {
		var xs []xpos
		hasDefault := false
		for _, pp := range g.Plan.Points {
			if pp.Dial == dial {
				tick := pp.Value
				if pp.Key == "" {
					tick, hasDefault = tick+"*", true
				}
				xs = append(xs, xpos{pp.Dial, pp.Value, tick})
			}
		}
		if !hasDefault {
			xs = append([]xpos{{"", "", "default*"}}, xs...)
		}
		ylabel := ""
		if di%cols == 0 {
			ylabel = "Δ " + strings.Join(metrics, ", ")
		}
		p := newPlot(dial, "", ylabel)
		p.Legend.Top = true
		lo, hi := -0.5, float64(len(xs))-0.5
		zero, err := hline(0, lo, hi)
		if err != nil {
			return nil, err
		}
		zero.LineStyle.Dashes = nil
		p.Add(zero)
		for _, m := range margins {
			l, err := hline(m, lo, hi)
			if err != nil {
				return nil, err
			}
			p.Add(l)
		}
		n := len(claims) * len(protos)
		k := 0
		for ci, claim := range claims {
			for _, proto := range protos {
				off := 0.0
				if n > 1 {
					off = (float64(k)/float64(n-1) - 0.5) * 0.5
				}
				k++
				var ps points
				for vi, x := range xs {
					for _, r := range rows {
						if r.Claim != claim || r.Protocol != proto || r.Point.Dial != x.dial || r.Point.Value != x.value || !r.Applicable ||
							math.IsNaN(r.Result.Paired.Mean) || r.Result.Paired.N == 0 {
							continue // not applicable, or not evaluated (a KL level not reached)
						}
						e := estimate{Mean: r.Result.Paired.Mean, CI: r.Result.Paired.CI, N: r.Result.Paired.N}
						ps = append(ps, at(float64(vi)+off, e))
					}
				}
				if len(ps) == 0 {
					continue
				}
				col := claimColors[ci%len(claimColors)]
				eb, err := yErrorBars(ps)
				if err != nil {
					return nil, err
				}
				eb.LineStyle.Color = col
				eb.CapWidth = vg.Points(4)
				sc, err := scatter(ps, col, protocolGlyph(proto))
				if err != nil {
					return nil, err
				}
				sc.GlyphStyle.Radius = vg.Points(2.5)
				p.Add(eb, sc)
				if di == 0 {
					label := claim
					if len(protos) > 1 {
						label += " (" + proto + ")"
					}
					p.Legend.Add(label, sc)
				}
			}
		}
		ticks := make(plot.ConstantTicks, len(xs))
		for i, x := range xs {
			ticks[i] = plot.Tick{Value: float64(i), Label: x.tick}
		}
		p.X.Tick.Marker = ticks
		p.X.Min, p.X.Max = lo, hi
		plots[di/cols][di%cols] = p
	}
	// One y range for every panel, so that the dials compare at a glance.
	ylo, yhi := math.Inf(1), math.Inf(-1)
	for _, row := range plots {
		for _, p := range row {
			if p != nil {
				ylo, yhi = math.Min(ylo, p.Y.Min), math.Max(yhi, p.Y.Max)
			}
		}
	}
	for _, row := range plots {
		for _, p := range row {
			if p != nil {
				p.Y.Min, p.Y.Max = ylo, yhi
				padY(p, margins)
			}
		}
	}
	return dialGrid{plots: plots, tiles: draw.Tiles{Rows: nrows, Cols: cols, PadX: vg.Points(8), PadY: vg.Points(8),
		PadTop: vg.Points(4), PadBottom: vg.Points(4), PadLeft: vg.Points(4), PadRight: vg.Points(4)}}, nil
}

// padY widens the y range so that the margins and zero are always in view.
func padY(p *plot.Plot, margins []float64) {
	lo, hi := p.Y.Min, p.Y.Max
	for _, m := range append(margins, 0) {
		lo, hi = math.Min(lo, m), math.Max(hi, m)
	}
	pad := 0.05 * (hi - lo)
	if pad == 0 {
		pad = 1
	}
	p.Y.Min, p.Y.Max = lo-pad, hi+pad
}
