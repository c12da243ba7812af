package judge

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"gapbench/hypotheses"
	"gapbench/stats"
)

// Claims is a parsed claims file: the claims, and optional words that
// describe the hypothesis they test.
type Claims struct {
	// File names the file in error messages.
	File string
	// Title, Hypothesis, Prediction and Paper describe the hypothesis, as
	// the fields of a built-in suite do; all optional.
	Title, Hypothesis, Prediction, Paper string
	// Claims are the claims in file order; Lines are their line numbers.
	Claims []hypotheses.Claim
	Lines  []int
}

// claimFields are the fields of one claim, in the order the manual lists
// them.
var claimFields = []string{"id", "metric", "a", "b", "kind", "direction", "margin", "decides", "note"}

// topFields are the top-level fields of a claims file.
var topFields = []string{"title", "hypothesis", "prediction", "paper", "claims"}

// ReadClaims parses a claims file, YAML or JSON:
//
//	title: online beats offline at 1B     # optional, as hypothesis, prediction, paper
//	claims:
//	  - id: C1                            # unique
//	    metric: win_rate                  # a metric of the results file
//	    a: online-dpo                     # the claim compares a − b, paired by seed
//	    b: dpo
//	    kind: superiority                 # or equivalence
//	    direction: greater                # or less; superiority only (default greater)
//	    margin: 2                         # > 0 for equivalence; >= 0 for superiority (default 0)
//	    decides: true                     # counts toward the verdict (default true)
//	    note: the gap                     # optional
//
// Each field is validated on its own, like an arm file: an unknown field, a
// wrong type (a list where a name goes, "two" for a margin, "yes" for
// decides), a bad kind or direction, a missing or non-finite margin, a
// margin ≤ 0 for an equivalence claim, a missing id, metric or arm, a claim
// comparing an arm with itself, a duplicate id and a second YAML document are
// each an *InputError naming the file, the line and the field.
func ReadClaims(file string, raw []byte) (*Claims, error) {
	raw = bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf"))
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, inputErr(file, 0, "empty file: want a top-level \"claims:\" list")
		}
		return nil, yamlErr(file, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, inputErr(file, extra.Line, "a second YAML document: a claims file holds one")
	} else if !errors.Is(err, io.EOF) {
		return nil, yamlErr(file, err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, inputErr(file, doc.Line, "want a mapping with a top-level \"claims:\" list")
	}
	c := &Claims{File: file}
	var list *yaml.Node
	err := eachField(file, doc.Content[0], topFields, "", func(k string, v *yaml.Node) error {
		if k == "claims" {
			if v.Kind != yaml.SequenceNode {
				return inputErr(file, v.Line, "field \"claims\": want a list of claims, got %s", kindOf(v))
			}
			list = v
			return nil
		}
		s, err := str(file, v, k, "")
		if err != nil {
			return err
		}
		switch k {
		case "title":
			c.Title = s
		case "hypothesis":
			c.Hypothesis = s
		case "prediction":
			c.Prediction = s
		case "paper":
			c.Paper = s
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if list == nil || len(list.Content) == 0 {
		return nil, inputErr(file, doc.Content[0].Line, "no claims: want a top-level \"claims:\" list")
	}
	ids := map[string]int{}
	for i, n := range list.Content {
		cl, err := readClaim(file, i+1, n)
		if err != nil {
			return nil, err
		}
		if first, dup := ids[cl.ID]; dup {
			return nil, inputErr(file, n.Line, "claim %q: id already used on line %d", cl.ID, first)
		}
		ids[cl.ID] = n.Line
		c.Claims = append(c.Claims, cl)
		c.Lines = append(c.Lines, n.Line)
	}
	return c, nil
}

// readClaim validates one claim, field by field.
func readClaim(file string, num int, n *yaml.Node) (hypotheses.Claim, error) {
	cl := hypotheses.Claim{Decides: true}
	if n.Kind != yaml.MappingNode {
		return cl, inputErr(file, n.Line, "claim #%d: want a mapping of %s, got %s", num, strings.Join(claimFields, ", "), kindOf(n))
	}
	// The id names the claim in every later message, so read it first.
	who := fmt.Sprintf("claim #%d", num)
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == "id" {
			id, err := str(file, n.Content[i+1], "id", who)
			if err != nil {
				return cl, err
			}
			cl.ID, who = id, fmt.Sprintf("claim %q", id)
		}
	}
	var kind, direction string
	var dirLine int
	marginSet := false
	err := eachField(file, n, claimFields, who, func(k string, v *yaml.Node) error {
		var err error
		switch k {
		case "id":
		case "metric":
			cl.Metric, err = str(file, v, k, who)
		case "a":
			cl.A, err = str(file, v, k, who)
		case "b":
			cl.B, err = str(file, v, k, who)
		case "note":
			cl.Note, err = str(file, v, k, who)
		case "kind":
			kind, err = str(file, v, k, who)
			if err == nil && kind != "superiority" && kind != "equivalence" {
				err = inputErr(file, v.Line, "%s: field \"kind\": want superiority or equivalence, got %q", who, kind)
			}
		case "direction":
			direction, err = str(file, v, k, who)
			dirLine = v.Line
			if err == nil && direction != "greater" && direction != "less" {
				err = inputErr(file, v.Line, "%s: field \"direction\": want greater (a > b) or less (a < b), got %q", who, direction)
			}
		case "margin":
			cl.Margin, err = number(file, v, k, who)
			marginSet = true
		case "decides":
			cl.Decides, err = boolean(file, v, k, who)
		}
		return err
	})
	if err != nil {
		return cl, err
	}
	missing := func(f string) error { return inputErr(file, n.Line, "%s: field %q is missing", who, f) }
	switch {
	case cl.ID == "":
		return cl, missing("id")
	case cl.Metric == "":
		return cl, missing("metric")
	case cl.A == "":
		return cl, missing("a")
	case cl.B == "":
		return cl, missing("b")
	case kind == "":
		return cl, missing("kind")
	case cl.A == cl.B:
		return cl, inputErr(file, n.Line, "%s: compares arm %q with itself", who, cl.A)
	}
	cl.Kind, cl.Predict = stats.Superiority, stats.Greater
	if direction == "less" {
		cl.Predict = stats.Less
	}
	if kind == "equivalence" {
		cl.Kind = stats.Equivalence
		if direction != "" {
			return cl, inputErr(file, dirLine, "%s: field \"direction\": an equivalence claim has no direction (|a − b| < margin)", who)
		}
		if !marginSet {
			return cl, inputErr(file, n.Line, "%s: field \"margin\" is missing: an equivalence claim needs margin > 0", who)
		}
		if cl.Margin <= 0 {
			return cl, inputErr(file, marginLine(n), "%s: field \"margin\": an equivalence claim needs margin > 0, got %v", who, cl.Margin)
		}
	} else if cl.Margin < 0 {
		return cl, inputErr(file, marginLine(n), "%s: field \"margin\": want >= 0, got %v", who, cl.Margin)
	}
	return cl, nil
}

// eachField calls f for every key of mapping n, after checking that the key
// is one of known and appears once.
func eachField(file string, n *yaml.Node, known []string, who string, f func(key string, v *yaml.Node) error) error {
	prefix := ""
	if who != "" {
		prefix = who + ": "
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			return inputErr(file, k.Line, "%swant field names, got %s", prefix, kindOf(k))
		}
		ok := false
		for _, name := range known {
			ok = ok || k.Value == name
		}
		if !ok {
			return inputErr(file, k.Line, "%sunknown field %q (want %s)", prefix, k.Value, strings.Join(known, ", "))
		}
		if first, dup := seen[k.Value]; dup {
			return inputErr(file, k.Line, "%sfield %q given twice (first on line %d)", prefix, k.Value, first)
		}
		seen[k.Value] = k.Line
		if err := f(k.Value, v); err != nil {
			return err
		}
	}
	return nil
}

// marginLine is the line of a claim's margin value.
func marginLine(n *yaml.Node) int {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == "margin" {
			return n.Content[i+1].Line
		}
	}
	return n.Line
}

func field(who, k string) string {
	if who == "" {
		return fmt.Sprintf("field %q", k)
	}
	return fmt.Sprintf("%s: field %q", who, k)
}

// str reads a scalar as text (a name may look like a number: "1b").
func str(file string, v *yaml.Node, k, who string) (string, error) {
	if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
		return "", inputErr(file, v.Line, "%s: want a string, got %s", field(who, k), kindOf(v))
	}
	return strings.TrimSpace(v.Value), nil
}

// number reads a finite number; a quoted "2" is a string, not a number.
func number(file string, v *yaml.Node, k, who string) (float64, error) {
	quoted := v.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0
	if _, err := strconv.ParseFloat(v.Value, 64); v.Kind == yaml.ScalarNode && !quoted && errors.Is(err, strconv.ErrRange) {
		return 0, inputErr(file, v.Line, "%s: want a finite number, got %s", field(who, k), v.Value) // YAML reads 1e309 as a string
	}
	if v.Kind != yaml.ScalarNode || (v.Tag != "!!int" && v.Tag != "!!float") {
		return 0, inputErr(file, v.Line, "%s: want a number, got %s", field(who, k), kindOf(v))
	}
	var x float64
	if err := v.Decode(&x); err != nil {
		return 0, inputErr(file, v.Line, "%s: want a number, got %q", field(who, k), v.Value)
	}
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return 0, inputErr(file, v.Line, "%s: want a finite number, got %s", field(who, k), v.Value)
	}
	return x, nil
}

// boolean reads true or false.
func boolean(file string, v *yaml.Node, k, who string) (bool, error) {
	if v.Kind != yaml.ScalarNode || v.Tag != "!!bool" {
		return false, inputErr(file, v.Line, "%s: want true or false, got %s", field(who, k), kindOf(v))
	}
	b, err := strconv.ParseBool(v.Value)
	if err != nil {
		return false, inputErr(file, v.Line, "%s: want true or false, got %q", field(who, k), v.Value)
	}
	return b, nil
}

// kindOf describes a node for an error message: "a list", "the string
// \"two\"", "the number 2", "nothing".
func kindOf(v *yaml.Node) string {
	switch v.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	case yaml.AliasNode:
		return "an alias"
	}
	switch v.Tag {
	case "!!null":
		return "nothing"
	case "!!str":
		return strconv.Quote(v.Value)
	case "!!int", "!!float":
		return "the number " + v.Value
	case "!!bool":
		return v.Value
	}
	return strconv.Quote(v.Value)
}

// yamlErr wraps a YAML syntax error; its message carries the line.
func yamlErr(file string, err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if i := strings.Index(rest, ":"); i > 0 {
			if n, err := strconv.Atoi(rest[:i]); err == nil {
				line, msg = n, strings.TrimSpace(rest[i+1:])
			}
		}
	}
	return inputErr(file, line, "%s", msg)
}
