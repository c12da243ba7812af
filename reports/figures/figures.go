// Package figures draws the report's SVG figures from an evaluated study: the
// headline win rates, the RM-size sweep, the horizon and reward dials of the
// generation–verification gap, its gap map, Best-of-N curves, the gold
// reward–KL frontier, and every suite's training curves (win rate and KL
// against the optimiser step). Which figures a study gets follows the suites'
// declarations (hypotheses.Suite's Figures, Headline, Frontier, CurveArms),
// not suite names.
//
// Text is drawn as glyph outlines of the bundled Liberation Sans, so a figure
// looks the same in every viewer, whatever fonts it has installed.
//
// Every interval drawn is a 95% interval from package stats (Summarize for one
// arm, ComparePaired for a gap paired by seed), never a plotting default. The
// package only draws: it computes no claim and decides no verdict. Rendering is
// deterministic, so the same study gives byte-identical SVG.
package figures

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"
	"strings"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"

	"gapbench/hypotheses"
	"gapbench/stats"
)

// File is one generated figure.
type File struct {
	Name    string // file name, e.g. "headline.svg"
	Data    []byte // the SVG document
	Caption string // one sentence saying what it shows
	// Section is where the report discusses the figure: a suite's name, or
	// "headline" for the headline table.
	Section string
}

// Caption describes a figure for the report's list.
type Caption struct {
	Name, Caption string
}

// drawer draws a whole figure onto a canvas; *plot.Plot is one.
type drawer interface {
	Draw(c draw.Canvas)
}

// figure is one entry of the registry: how to draw it from a suite and at
// what size. In its caption, {suite} stands for the suite's name and
// {frontier} for the suites on the frontier figure. draw returns a nil drawer when the study lacks what it shows.
type figure struct {
	name, caption string
	section       string // where the report shows it; "" means the suite's section
	w, h          vg.Length
	draw          func(d *data, s *hypotheses.Suite) (drawer, error)
}

// Default figure size.
const (
	figW = 5 * vg.Inch
	figH = 3.5 * vg.Inch
)

// figures is the registry of the figures a suite can declare (Suite.Figures).
var figures = []figure{
	{"headline.svg", "mean win rate against the reference writers of every arm of the headline table, with 95% intervals over seeds", "headline", figW, figH, headline},
	{"rm_size.svg", "{suite}: online DPO win rate with reward models of ¼, 1 and 4 times the policy's width and a linear RM, 95% intervals; the suite's baseline for reference", "", figW, figH, rmSize},
	{"rm_size_bon.svg", "{suite}: Best-of-25 gold reward on SFT samples ranked by each reward model, 95% intervals", "", figW, figH, rmSizeBoN},
	{"horizon.svg", "{suite}: online − offline win-rate gap against the horizon H under the simple reward, paired 95% intervals", "", figW, figH, horizon},
	{"reward.svg", "{suite}: online − offline win-rate gap at H = 4 for each reward class, paired 95% intervals", "", figW, figH, reward},
	{"gap_map.svg", "{suite}: mean online − offline win-rate gap over horizon × reward class; each cell gives the gap and its paired 95% interval", "", figW, figH, gapMap},
	{"best_of_n.svg", "{suite}: gold reward of the Best-of-N SFT sample as ranked by the global RM, a local RM and DPO's implicit reward, 95% intervals", "", figW, figH, bestOfN},
	{"frontier.svg", "gold reward against √KL(π‖π_ref) for every policy arm of {frontier}, 95% intervals on both axes", "", 6 * vg.Inch, 4.5 * vg.Inch, frontier},
	{"frontier_paths.svg", "frontier protocol: mean win rate along each arm's training path against KL(π‖π_ref), 95% intervals at the claims' KL levels, and the oracle rows", "", 6 * vg.Inch, 4.5 * vg.Inch, frontierPaths},
	{"data_size.svg", "data-size suite (H6), tuned protocol: exact RLHF − tuned DPO win rate against the number of pairs n for the backbone and the linear RM, paired 95% intervals", "", figW, figH, dataSize},
}

// List returns the names and captions of every figure a suite can declare, in
// registry order.
func List() []Caption {
	out := make([]Caption, len(figures))
	for i, f := range figures {
		out[i] = Caption{Name: f.name, Caption: f.caption}
	}
	return out
}

// Render draws the figures of an evaluated study as SVG, deterministically
// (same study ⇒ byte-identical SVG): for each suite in order, the figures it
// declares (Suite.Figures), then one figure of training curves per suite
// (curves_<suite>.svg). A figure without the results it shows is left out; an
// arm without results is left out of its figure.
func Render(st *hypotheses.Study) ([]File, error) {
	d := newData(st, stats.DefaultOptions())
	type job struct {
		f figure
		s *hypotheses.Suite
	}
	var jobs []job
	for _, s := range st.Suites {
		for _, name := range s.Figures {
			i := slices.IndexFunc(figures, func(f figure) bool { return f.name == name })
			if i < 0 {
				return nil, fmt.Errorf("figures: suite %s declares figure %q, which is not one of %v", s.Name, name, List())
			}
			jobs = append(jobs, job{figures[i], s})
		}
	}
	for _, s := range st.Suites {
		jobs = append(jobs, job{figure{"curves_" + s.Name + ".svg",
			"win rate and KL(π‖π_ref) against the optimiser step for the arms of " + s.Name + " that train a policy (named in the legend); mean over seeds with a 95% band",
			"", 7 * vg.Inch, 3.2 * vg.Inch, curvesFigure}, s})
	}
	var files []File
	for _, j := range jobs {
		dr, err := j.f.draw(d, j.s)
		if err != nil {
			return nil, fmt.Errorf("figures: %s: %w", j.f.name, err)
		}
		if dr == nil {
			continue
		}
		svg, err := writeSVG(dr, j.f.w, j.f.h)
		if err != nil {
			return nil, fmt.Errorf("figures: %s: %w", j.f.name, err)
		}
		caption := strings.NewReplacer("{suite}", j.s.Name, "{frontier}", frontierSuites(st)).Replace(j.f.caption)
		files = append(files, File{Name: j.f.name, Data: svg, Caption: caption, Section: cmp.Or(j.f.section, j.s.Name)})
	}
	return files, nil
}

// frontierSuites names the study's suites on the frontier figure: "gap, H1, H2 and H3".
func frontierSuites(st *hypotheses.Study) string {
	var names []string
	for _, s := range st.Suites {
		if s.Frontier {
			names = append(names, s.Name)
		}
	}
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// writeSVG draws dr on a w × h SVG canvas and returns the document, its text
// as glyph outlines (outlineCanvas).
func writeSVG(dr drawer, w, h vg.Length) ([]byte, error) {
	c := &outlineCanvas{Canvas: vgsvg.New(w, h)}
	dr.Draw(draw.New(c))
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return nil, err
	}
	return c.outline(buf.Bytes())
}
