package datasets

import (
	"bytes"
	"strings"
	"testing"
)

// fuzzWorld is the world the JSONL fuzz targets read against.
func fuzzWorld(f *testing.F) (*World, []byte, []byte) {
	w, err := Generate(smallConfig(RewardSimple))
	if err != nil {
		f.Fatal(err)
	}
	var pairs, demos bytes.Buffer
	if err := w.WritePairs(&pairs, w.Pairs[:3]); err != nil {
		f.Fatal(err)
	}
	if err := w.WriteDemos(&demos, w.Demos[:3]); err != nil {
		f.Fatal(err)
	}
	return w, pairs.Bytes(), demos.Bytes()
}

// seedJSONL adds the corpus both targets start from: good lines, and lines with
// each kind of damage the readers must name.
func seedJSONL(f *testing.F, good []byte) {
	f.Add(good)
	f.Add(append([]byte("\uFEFF"), good...))
	f.Add([]byte(strings.ReplaceAll(string(good), "\n", "\r\n")))
	f.Add(good[:len(good)/2])
	f.Add([]byte(`{"prompt": [1, 2], "chosen": [1, 2, 3, 4], "rejected": "oops"}` + "\n"))
	f.Add([]byte(`{"prompt": [], "chosen": [0,0,0,0], "rejected": [0,0,0,0]} {"x": 1}` + "\n"))
	f.Add([]byte(`{"prompt": [1e309]}` + "\n\n\n"))
	f.Add([]byte{})
}

// FuzzReadPairs checks that ReadPairs never panics, names the file in every
// error, and returns only pairs that fit the world.
func FuzzReadPairs(f *testing.F) {
	w, good, _ := fuzzWorld(f)
	seedJSONL(f, good)
	f.Fuzz(func(t *testing.T, data []byte) {
		pairs, err := w.ReadPairs("f.jsonl", bytes.NewReader(data))
		if err != nil {
			if pairs != nil || !strings.HasPrefix(err.Error(), "f.jsonl") {
				t.Fatalf("ReadPairs: %d pairs with error %q (want none, and the file named)", len(pairs), err)
			}
			return
		}
		for _, p := range pairs {
			if w.checkSummary("chosen", p.Chosen) != nil || w.checkSummary("rejected", p.Rejected) != nil || p.Prompt >= w.Config.TrainPrompts {
				t.Fatalf("ReadPairs accepted a pair outside the world: %+v", p)
			}
		}
	})
}

// FuzzReadDemos is FuzzReadPairs for demonstrations.
func FuzzReadDemos(f *testing.F) {
	w, _, good := fuzzWorld(f)
	seedJSONL(f, good)
	f.Fuzz(func(t *testing.T, data []byte) {
		demos, err := w.ReadDemos("f.jsonl", bytes.NewReader(data))
		if err != nil {
			if demos != nil || !strings.HasPrefix(err.Error(), "f.jsonl") {
				t.Fatalf("ReadDemos: %d demos with error %q (want none, and the file named)", len(demos), err)
			}
			return
		}
		for _, d := range demos {
			if w.checkSummary("summary", d.Summary) != nil || d.Prompt >= w.Config.TrainPrompts {
				t.Fatalf("ReadDemos accepted a demonstration outside the world: %+v", d)
			}
		}
	})
}
