package datasets

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
)

// PairRecord is one line of a preference-pair JSONL file.
type PairRecord struct {
	Prompt   []int `json:"prompt"`   // prompt tokens
	Chosen   []int `json:"chosen"`   // preferred summary
	Rejected []int `json:"rejected"` // dispreferred summary
}

// DemoRecord is one line of a demonstration JSONL file.
type DemoRecord struct {
	Prompt  []int `json:"prompt"`  // prompt tokens
	Summary []int `json:"summary"` // demonstrated summary
}

// WritePairs writes pairs as JSONL, one object a line.
func (w *World) WritePairs(out io.Writer, pairs []Pair) error {
	enc := json.NewEncoder(out)
	for _, p := range pairs {
		if err := enc.Encode(PairRecord{w.Prompts[p.Prompt].Tokens, p.Chosen, p.Rejected}); err != nil {
			return err
		}
	}
	return nil
}

// WriteDemos writes demonstrations as JSONL, one object a line.
func (w *World) WriteDemos(out io.Writer, demos []Demo) error {
	enc := json.NewEncoder(out)
	for _, d := range demos {
		if err := enc.Encode(DemoRecord{w.Prompts[d.Prompt].Tokens, d.Summary}); err != nil {
			return err
		}
	}
	return nil
}

// ReadPairs reads a JSONL pairs file named name (for messages) and matches each
// line's prompt to a training prompt of the world. Errors name the file, the line,
// the field and the bad value; on error nothing is returned.
func (w *World) ReadPairs(name string, r io.Reader) ([]Pair, error) {
	var pairs []Pair
	err := w.readJSONL(name, r, func(line int, dec *json.Decoder) error {
		var rec PairRecord
		if err := dec.Decode(&rec); err != nil {
			return err
		}
		p, err := w.matchPrompt(rec.Prompt)
		if err != nil {
			return err
		}
		if err := w.checkSummary("chosen", rec.Chosen); err != nil {
			return err
		}
		if err := w.checkSummary("rejected", rec.Rejected); err != nil {
			return err
		}
		pairs = append(pairs, Pair{Prompt: p, Chosen: rec.Chosen, Rejected: rec.Rejected})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(pairs) == 0 {
		return nil, fmt.Errorf("%s: no pairs", name)
	}
	return pairs, nil
}

// ReadDemos reads a JSONL demonstrations file; see ReadPairs for errors.
func (w *World) ReadDemos(name string, r io.Reader) ([]Demo, error) {
	var demos []Demo
	err := w.readJSONL(name, r, func(line int, dec *json.Decoder) error {
		var rec DemoRecord
		if err := dec.Decode(&rec); err != nil {
			return err
		}
		p, err := w.matchPrompt(rec.Prompt)
		if err != nil {
			return err
		}
		if err := w.checkSummary("summary", rec.Summary); err != nil {
			return err
		}
		demos = append(demos, Demo{Prompt: p, Summary: rec.Summary})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(demos) == 0 {
		return nil, fmt.Errorf("%s: no demonstrations", name)
	}
	return demos, nil
}

func (w *World) readJSONL(name string, r io.Reader, each func(line int, dec *json.Decoder) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), MaxLineBytes)
	line := 0
	for sc.Scan() {
		line++
		b := sc.Bytes()
		if line == 1 {
			// Editors on Windows may start a UTF-8 file with a byte-order mark.
			b = bytes.TrimPrefix(b, []byte("\uFEFF"))
		}
		b = bytes.TrimSpace(b)
		if len(b) == 0 {
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := each(line, dec); err != nil {
			return fmt.Errorf("%s:%d: %w", name, line, err)
		}
		if dec.More() {
			return fmt.Errorf("%s:%d: more than one JSON object on the line", name, line)
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return fmt.Errorf("%s:%d: line longer than %d bytes (one pair or demonstration a line)", name, line+1, MaxLineBytes)
		}
		return fmt.Errorf("%s:%d: %w", name, line+1, err)
	}
	return nil
}

// MaxLineBytes is the longest line ReadPairs and ReadDemos accept.
const MaxLineBytes = 1 << 20

func (w *World) matchPrompt(tokens []int) (int, error) {
	for _, p := range w.Train {
		if slices.Equal(w.Prompts[p].Tokens, tokens) {
			return p, nil
		}
	}
	return 0, fmt.Errorf("field \"prompt\": %v is not a training prompt of this world (seed %d)", tokens, w.Config.Seed)
}

func (w *World) checkSummary(field string, y []int) error {
	if len(y) != w.Config.H {
		return fmt.Errorf("field %q: %v has %d tokens, want h = %d", field, y, len(y), w.Config.H)
	}
	for _, t := range y {
		if t < 0 || t >= w.Config.V {
			return fmt.Errorf("field %q: token %d out of range [0, %d)", field, t, w.Config.V)
		}
	}
	return nil
}
