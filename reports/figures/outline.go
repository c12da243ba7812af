package figures

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	xfont "golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// outlineCanvas is an SVG canvas whose text is drawn with the outlines of its
// glyphs instead of as <text> for the viewer to lay out. gonum/plot places
// text by the metrics of Liberation Sans, which it bundles; a viewer without
// that font substitutes a wider one and clips titles and axis labels. As
// filled outlines the text looks the same in every renderer, installed fonts
// or not (the price: text in the SVG is not selectable). Each glyph's outline
// is written once, in <defs>, and every occurrence is a <use> of it.
//
// The canvas lets vgsvg write its <text> elements, remembers the face and
// string of each, and outline replaces them, in order, when the document is
// complete.
type outlineCanvas struct {
	*vgsvg.Canvas
	runs []textRun
}

// textRun is one FillString call: the text, in the face it was measured in.
type textRun struct {
	face font.Face
	s    string
}

// FillString implements vg.Canvas.
func (c *outlineCanvas) FillString(f font.Face, pt vg.Point, s string) {
	c.Canvas.FillString(f, pt, s)
	c.runs = append(c.runs, textRun{f, s})
}

// svgText matches a <text> element as vgsvg writes it; vgsvg escapes the
// text, so it holds no "<".
var svgText = regexp.MustCompile(`<text x="([^"]*)" y="([^"]*)" transform="scale\(1, -1\)"\s*(?:style="([^"]*)")?>([^<]*)</text>`)

// fillOf returns the fill declaration of a vgsvg style ("fill:#555555"), or "".
var fillOf = regexp.MustCompile(`fill:#[0-9A-Fa-f]{6}`)

// outline replaces the <text> elements of a finished SVG document by <use>s of
// glyph outlines defined once in <defs>.
func (c *outlineCanvas) outline(doc []byte) ([]byte, error) {
	var (
		buf  sfnt.Buffer
		defs strings.Builder
		ids  = map[string]string{} // face name and glyph index → element id ("" for a blank)
		i    int
		err  error
	)
	glyph := func(f font.Face, idx sfnt.GlyphIndex) (string, error) {
		key := f.Name() + "/" + strconv.Itoa(int(idx))
		if id, ok := ids[key]; ok {
			return id, nil
		}
		upem := fixed.Int26_6(f.Face.UnitsPerEm())
		segs, err := f.Face.LoadGlyph(&buf, idx, upem, nil)
		if err != nil {
			return "", err
		}
		if len(segs) == 0 {
			ids[key] = "" // a blank: nothing to draw
			return "", nil
		}
		id := "g" + strconv.Itoa(len(ids))
		ids[key] = id
		// Font units, y down: the frame of the flipped text element.
		pt := func(p fixed.Point26_6) string { return strconv.Itoa(int(p.X)) + " " + strconv.Itoa(int(p.Y)) }
		fmt.Fprintf(&defs, "<path id=%q d=\"", id)
		for k, sg := range segs {
			switch sg.Op {
			case sfnt.SegmentOpMoveTo:
				if k > 0 {
					defs.WriteString("Z")
				}
				defs.WriteString("M" + pt(sg.Args[0]))
			case sfnt.SegmentOpLineTo:
				defs.WriteString("L" + pt(sg.Args[0]))
			case sfnt.SegmentOpQuadTo:
				defs.WriteString("Q" + pt(sg.Args[0]) + " " + pt(sg.Args[1]))
			case sfnt.SegmentOpCubeTo:
				defs.WriteString("C" + pt(sg.Args[0]) + " " + pt(sg.Args[1]) + " " + pt(sg.Args[2]))
			}
		}
		defs.WriteString("Z\"/>\n")
		return id, nil
	}
	body := svgText.ReplaceAllFunc(doc, func(m []byte) []byte {
		if err != nil {
			return m
		}
		if i >= len(c.runs) {
			err = errors.New("figures: more <text> elements than strings drawn")
			return m
		}
		run := c.runs[i]
		i++
		sub := svgText.FindSubmatch(m)
		x, err1 := strconv.ParseFloat(string(sub[1]), 64)
		y, err2 := strconv.ParseFloat(string(sub[2]), 64)
		if err = errors.Join(err1, err2); err != nil {
			return m
		}
		var out bytes.Buffer
		out.WriteString(`<g transform="scale(1, -1)"`)
		if fill := fillOf.Find(sub[3]); fill != nil {
			fmt.Fprintf(&out, ` style="%s"`, fill)
		}
		out.WriteString(">")
		f := run.face
		upem := fixed.Int26_6(f.Face.UnitsPerEm())
		scale := f.Font.Size.Points() / float64(upem) // points per font unit
		var (
			pen     fixed.Int26_6
			prev    sfnt.GlyphIndex
			hasPrev bool
		)
		for _, r := range run.s {
			idx, e := f.Face.GlyphIndex(&buf, r)
			if e != nil {
				err = e
				return m
			}
			if hasPrev {
				k, e := f.Face.Kern(&buf, prev, idx, upem, xfont.HintingNone)
				switch {
				case e == nil:
					pen += k
				case !errors.Is(e, sfnt.ErrNotFound):
					err = e
					return m
				}
			}
			id, e := glyph(f, idx)
			if e != nil {
				err = e
				return m
			}
			if id != "" {
				fmt.Fprintf(&out, `<use xlink:href="#%s" transform="translate(%s %s) scale(%s)"/>`, id,
					num5(x+float64(pen)*scale), num5(y), num5(scale))
			}
			adv, e := f.Face.GlyphAdvance(&buf, idx, upem, xfont.HintingNone)
			if e != nil {
				err = e
				return m
			}
			pen += adv
			prev, hasPrev = idx, true
		}
		out.WriteString("</g>")
		return out.Bytes()
	})
	if err != nil {
		return nil, err
	}
	if i != len(c.runs) {
		return nil, fmt.Errorf("figures: %d strings drawn but %d <text> elements found", len(c.runs), i)
	}
	if defs.Len() == 0 {
		return body, nil
	}
	// The definitions go right after the opening <svg ...> tag.
	open := bytes.Index(body, []byte("<svg"))
	end := bytes.IndexByte(body[max(open, 0):], '>')
	if open < 0 || end < 0 {
		return nil, errors.New("figures: no <svg> element")
	}
	at := open + end + 1
	var out bytes.Buffer
	out.Write(body[:at])
	out.WriteString("\n<defs>\n" + defs.String() + "</defs>")
	out.Write(body[at:])
	return out.Bytes(), nil
}

// num5 formats x with at most 5 significant digits, as vgsvg does.
func num5(x float64) string { return strconv.FormatFloat(x, 'g', 5, 64) }
