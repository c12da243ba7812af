// Package figures draws the report's SVG figures from an evaluated study: the
// headline win rates, the RM-size sweep, the horizon and reward dials of the
// generation–verification gap, its gap map, Best-of-N curves and the gold
// reward–KL frontier.
//
// Every interval drawn is a 95% interval from package stats (Summarize for one
// arm, ComparePaired for a gap paired by seed), never a plotting default. The
// package only draws: it computes no claim and decides no verdict. Rendering is
// deterministic, so the same study gives byte-identical SVG.
package figures

import (
	"bytes"
	"fmt"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"

	"gapbench/hypotheses"
	"gapbench/stats"
)

// File is one generated figure.
type File struct {
	Name string // file name, e.g. "headline.svg"
	Data []byte // the SVG document
}

// Caption describes a figure for the report's list.
type Caption struct {
	Name, Caption string
}

// drawer draws a whole figure onto a canvas; *plot.Plot is one.
type drawer interface {
	Draw(c draw.Canvas)
}

// figure is one entry of the registry: how to draw it and at what size. draw
// returns a nil drawer when the study lacks what the figure shows.
type figure struct {
	name, caption string
	w, h          vg.Length
	draw          func(d *data) (drawer, error)
}

// Default figure size.
const (
	figW = 5 * vg.Inch
	figH = 3.5 * vg.Inch
)

// figures is the registry, in report order.
var figures = []figure{
	{"headline.svg", "mean win rate against the reference writers of every arm of the gap suite, with 95% intervals over seeds", figW, figH, headline},
	{"rm_size.svg", "H6: online DPO win rate with reward models of ¼, 1 and 4 times the policy's width and a linear RM, 95% intervals; offline DPO for reference", figW, figH, rmSize},
	{"rm_size_bon.svg", "H6: Best-of-25 gold reward on SFT samples ranked by each reward model, 95% intervals", figW, figH, rmSizeBoN},
	{"horizon.svg", "H6: online − offline win-rate gap against the horizon H under the simple reward, paired 95% intervals", figW, figH, horizon},
	{"reward.svg", "H6: online − offline win-rate gap at H = 4 for each reward class, paired 95% intervals", figW, figH, reward},
	{"gap_map.svg", "H6: mean online − offline win-rate gap over horizon × reward class; each cell gives the gap and its paired 95% interval", figW, figH, gapMap},
	{"best_of_n.svg", "H5: gold reward of the Best-of-N SFT sample as ranked by the global RM, a local RM and DPO's implicit reward, 95% intervals", figW, figH, bestOfN},
	{"frontier.svg", "gold reward against √KL(π‖π_ref) for every policy arm of the gap suite and H1–H3, 95% intervals on both axes", 6 * vg.Inch, 4.5 * vg.Inch, frontier},
	{"frontier_paths.svg", "frontier protocol: mean win rate along each gap-suite arm's training path against KL(π‖π_ref), 95% intervals at the claims' KL levels, and the oracle rows", 6 * vg.Inch, 4.5 * vg.Inch, frontierPaths},
	{"data_size.svg", "data-size suite (H6), tuned protocol: exact RLHF − tuned DPO win rate against the number of pairs n for the backbone and the linear RM, paired 95% intervals", figW, figH, dataSize},
}

// List returns the names and captions of every figure Render produces, in order.
func List() []Caption {
	out := make([]Caption, len(figures))
	for i, f := range figures {
		out[i] = Caption{Name: f.name, Caption: f.caption}
	}
	return out
}

// Render draws every figure of an evaluated study as SVG, deterministically
// (same study ⇒ byte-identical SVG). A figure whose suite is not in the study is
// left out; an arm without results is left out of its figure.
func Render(st *hypotheses.Study) ([]File, error) {
	d := newData(st, stats.DefaultOptions())
	var files []File
	for _, f := range figures {
		dr, err := f.draw(d)
		if err != nil {
			return nil, fmt.Errorf("figures: %s: %w", f.name, err)
		}
		if dr == nil {
			continue
		}
		svg, err := writeSVG(dr, f.w, f.h)
		if err != nil {
			return nil, fmt.Errorf("figures: %s: %w", f.name, err)
		}
		files = append(files, File{Name: f.name, Data: svg})
	}
	return files, nil
}

// writeSVG draws dr on a w × h SVG canvas and returns the document.
func writeSVG(dr drawer, w, h vg.Length) ([]byte, error) {
	c := vgsvg.New(w, h)
	dr.Draw(draw.New(c))
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
