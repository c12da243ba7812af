package judge

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"gapbench/metrics"
)

// Results are the rows of a long CSV: one value per (suite, arm, seed,
// metric), in the format gapbench run --csv writes.
type Results struct {
	// File names the file in error messages.
	File string
	// HasSuite reports a suite column.
	HasSuite bool
	rows     []row
}

// row is one value with the line it came from.
type row struct {
	suite, arm, metric string
	seed               int
	value              float64
	line               int
}

// InputError is bad input in a results or claims file: the file, the line
// (0 when the problem is not on one line) and what is wrong.
type InputError struct {
	File string
	Line int
	Msg  string
}

func (e *InputError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

func inputErr(file string, line int, format string, args ...any) error {
	return &InputError{File: file, Line: line, Msg: fmt.Sprintf(format, args...)}
}

// columns of the long format; suite is optional.
var columns = []string{"suite", "arm", "seed", "metric", "value"}

// optionalColumns may also appear: protocol, which gapbench run --csv writes
// (recipe, tuned, frontier). Rows of a protocol other than recipe are read as
// the suite "suite/protocol", so that each protocol's rows are judged apart and
// the recipe's keep their suite's name.
var optionalColumns = []string{"protocol"}

// ReadResults parses a long CSV with the header suite,arm,seed,metric,value
// (the suite column may be left out; columns may come in any order). It
// returns an *InputError naming the file and the line for a missing or
// unknown column, a row of the wrong length, an empty arm or metric, a seed
// that is not an integer, a value that is not a finite number, a value
// outside the range of a metric gapbench knows (package metrics), and a
// (suite, arm, seed, metric) given twice. A UTF-8 byte-order mark is
// accepted.
func ReadResults(file string, raw []byte) (*Results, error) {
	raw = bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf"))
	cr := csv.NewReader(bytes.NewReader(raw))
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = false
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, inputErr(file, 0, "empty file: want a header %s", strings.Join(columns, ","))
	}
	if err != nil {
		return nil, csvErr(file, err)
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		if !slices.Contains(columns, h) && !slices.Contains(optionalColumns, h) {
			return nil, inputErr(file, 1, "unknown column %q: want %s (suite is optional)", header[i], strings.Join(columns, ","))
		}
		if _, dup := col[h]; dup {
			return nil, inputErr(file, 1, "column %q appears twice", h)
		}
		col[h] = i
	}
	for _, c := range columns[1:] {
		if _, ok := col[c]; !ok {
			return nil, inputErr(file, 1, "missing column %q: want %s (suite is optional)", c, strings.Join(columns, ","))
		}
	}
	r := &Results{File: file}
	_, r.HasSuite = col["suite"]
	type key struct {
		suite, arm, metric string
		seed               int
	}
	seen := map[key]int{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, csvErr(file, err)
		}
		line, _ := cr.FieldPos(0)
		field := func(c string) string {
			if i, ok := col[c]; ok {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		x := row{suite: field("suite"), arm: field("arm"), metric: field("metric"), line: line}
		if p := field("protocol"); p != "" && p != "recipe" && r.HasSuite {
			x.suite += "/" + p
		}
		switch {
		case x.arm == "":
			return nil, inputErr(file, line, "empty arm")
		case x.metric == "":
			return nil, inputErr(file, line, "empty metric")
		case r.HasSuite && x.suite == "":
			return nil, inputErr(file, line, "empty suite")
		}
		x.seed, err = strconv.Atoi(field("seed"))
		if err != nil {
			return nil, inputErr(file, line, "seed %q is not an integer", field("seed"))
		}
		v := field("value")
		x.value, err = strconv.ParseFloat(v, 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return nil, inputErr(file, line, "value %q of %s is not a number", v, x.metric)
		}
		if err != nil || math.IsNaN(x.value) || math.IsInf(x.value, 0) {
			return nil, inputErr(file, line, "value %q of %s is not finite: every value must be a finite number", v, x.metric)
		}
		if rg, ok := metrics.RangeOf(x.metric); ok && (x.value < rg.Lo || x.value > rg.Hi) {
			return nil, inputErr(file, line, "%s = %v is outside its range [%g, %g] (%s is a gapbench metric; give another name to a metric measured differently)",
				x.metric, x.value, rg.Lo, rg.Hi, x.metric)
		}
		k := key{x.suite, x.arm, x.metric, x.seed}
		if first, dup := seen[k]; dup {
			return nil, inputErr(file, line, "duplicate row: arm %s, seed %d, metric %s is already on line %d", x.arm, x.seed, x.metric, first)
		}
		seen[k] = line
		r.rows = append(r.rows, x)
	}
	if len(r.rows) == 0 {
		return nil, inputErr(file, 0, "no rows after the header")
	}
	return r, nil
}

// csvErr turns an encoding/csv error into an *InputError with its line.
func csvErr(file string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return inputErr(file, pe.Line, "%v", pe.Err)
	}
	return inputErr(file, 0, "%v", err)
}

// Suites lists the values of the suite column in order of first
// appearance (nil without a suite column).
func (r *Results) Suites() []string {
	var out []string
	for _, x := range r.rows {
		if r.HasSuite && !slices.Contains(out, x.suite) {
			out = append(out, x.suite)
		}
	}
	return out
}

// only returns the rows of one suite ("" keeps every row).
func (r *Results) only(suite string) []row {
	if suite == "" {
		return r.rows
	}
	var out []row
	for _, x := range r.rows {
		if x.suite == suite {
			out = append(out, x)
		}
	}
	return out
}
