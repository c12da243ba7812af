package figures

import (
	"errors"
	"fmt"

	xfont "golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// outlineCanvas is an SVG canvas that draws text as the outlines of its
// glyphs instead of <text> elements. gonum/plot lays text out with the
// metrics of Liberation Sans, which it bundles; a viewer without that font
// substitutes a wider one and clips titles and axis labels. As filled paths
// the text looks the same in every renderer, installed fonts or not (the
// price: text in the SVG is not selectable).
type outlineCanvas struct {
	*vgsvg.Canvas
	buf sfnt.Buffer
}

// FillString implements vg.Canvas: it fills the outline of every glyph of s
// with the current colour, starting at pt on the baseline, with the font's
// kerning, exactly where gonum/plot measured the text to be.
func (c *outlineCanvas) FillString(f font.Face, pt vg.Point, s string) {
	upem := fixed.Int26_6(f.Face.UnitsPerEm())
	scale := f.Font.Size.Points() / float64(upem) // points per font unit
	var (
		pen     fixed.Int26_6
		prev    sfnt.GlyphIndex
		hasPrev bool
		path    vg.Path
	)
	at := func(p fixed.Point26_6) vg.Point {
		return vg.Point{X: pt.X + vg.Length(float64(pen+p.X)*scale), Y: pt.Y - vg.Length(float64(p.Y)*scale)}
	}
	for _, r := range s {
		idx, err := f.Face.GlyphIndex(&c.buf, r)
		if err != nil {
			panic(fmt.Errorf("figures: glyph of %q: %v", r, err))
		}
		if hasPrev {
			k, err := f.Face.Kern(&c.buf, prev, idx, upem, xfont.HintingNone)
			switch {
			case err == nil:
				pen += k
			case !errors.Is(err, sfnt.ErrNotFound):
				panic(fmt.Errorf("figures: kerning: %v", err))
			}
		}
		segs, err := f.Face.LoadGlyph(&c.buf, idx, upem, nil)
		if err != nil {
			panic(fmt.Errorf("figures: outline of %q: %v", r, err))
		}
		for _, sg := range segs {
			switch sg.Op {
			case sfnt.SegmentOpMoveTo:
				if len(path) > 0 {
					path.Close()
				}
				path.Move(at(sg.Args[0]))
			case sfnt.SegmentOpLineTo:
				path.Line(at(sg.Args[0]))
			case sfnt.SegmentOpQuadTo:
				path.QuadTo(at(sg.Args[0]), at(sg.Args[1]))
			case sfnt.SegmentOpCubeTo:
				path.CubeTo(at(sg.Args[0]), at(sg.Args[1]), at(sg.Args[2]))
			}
		}
		adv, err := f.Face.GlyphAdvance(&c.buf, idx, upem, xfont.HintingNone)
		if err != nil {
			panic(fmt.Errorf("figures: advance of %q: %v", r, err))
		}
		pen += adv
		prev, hasPrev = idx, true
	}
	if len(path) > 0 {
		path.Close()
		c.Fill(path)
	}
}
