package stats

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
)

// decodeFuzz turns fuzz bytes into two paired samples. The first byte picks
// the encoding: odd, every 8 bytes are raw float64 bits (NaN, ±Inf, huge and
// tiny values); even, every byte is a small integer (ties and zeros).
func decodeFuzz(raw []byte) (a, b []float64) {
	if len(raw) == 0 {
		return nil, nil
	}
	var vals []float64
	if raw[0]&1 == 1 {
		for i := 1; i+8 <= len(raw); i += 8 {
			vals = append(vals, math.Float64frombits(binary.LittleEndian.Uint64(raw[i:])))
		}
	} else {
		for _, c := range raw[1:] {
			vals = append(vals, float64(int8(c))/4)
		}
	}
	n := min(len(vals)/2, 26)
	return vals[:n], vals[n : 2*n]
}

func FuzzEvaluateClaims(f *testing.F) {
	f.Add(uint64(1), uint8(0), uint8(0), 1.0, []byte{0, 8, 9, 10, 11, 12, 13, 1, 2, 3, 4, 5, 6})
	f.Add(uint64(2), uint8(1), uint8(1), 0.5, []byte{2, 1, 1, 1, 0, 0, 0, 250, 1, 1, 0, 0, 4})
	f.Add(uint64(3), uint8(0), uint8(1), 0.0, []byte{4, 3, 3})
	f.Add(uint64(4), uint8(1), uint8(0), -1.0, []byte{6, 1, 2, 3, 4})
	nanBits := make([]byte, 1+4*8)
	nanBits[0] = 1
	binary.LittleEndian.PutUint64(nanBits[1:], math.Float64bits(math.NaN()))
	f.Add(uint64(5), uint8(0), uint8(0), 1.0, nanBits)
	long := make([]byte, 1+2*24)
	for i := range long[1:] {
		long[1+i] = byte(i * 7 % 13)
	}
	f.Add(uint64(6), uint8(0), uint8(0), 2.0, long)

	f.Fuzz(func(t *testing.T, seed uint64, kind, dir uint8, margin float64, raw []byte) {
		a, b := decodeFuzz(raw)
		claims := []Claim{
			{ID: "fuzz", Metric: "m", A: "a", B: "b", Kind: Kind(kind % 2), Predict: Direction(dir % 2), Margin: margin},
			{ID: "reverse|pipe", Metric: "m", A: "b", B: "a", Kind: Superiority, Predict: Greater},
		}
		values := func(_, arm string) ([]float64, error) {
			if arm == "a" {
				return a, nil
			}
			return b, nil
		}
		opt := Options{Seed: seed, Resamples: minResamples}
		rs, err := EvaluateClaims(claims, values, opt)
		if err != nil {
			if !errors.Is(err, ErrEmpty) && !errors.Is(err, ErrNotFinite) && !errors.Is(err, ErrMargin) && !errors.Is(err, ErrLength) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		if math.IsNaN(margin) || math.IsInf(margin, 0) || margin < 0 || (kind%2 == 1 && margin == 0) {
			t.Fatalf("margin %v accepted", margin)
		}
		for _, v := range append(append([]float64{}, a...), b...) {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("non-finite value %v accepted", v)
			}
		}
		again, _ := EvaluateClaims(claims, values, opt)
		if !reflect.DeepEqual(rs, again) {
			t.Fatal("same seed, different results")
		}
		for _, r := range rs {
			checkResult(t, r)
		}
		for _, f := range []Format{Markdown, Terminal} {
			var buf bytes.Buffer
			if err := RenderClaims(&buf, rs, f); err != nil {
				t.Fatal(err)
			}
			if f == Markdown {
				checkMarkdownTable(t, buf.String())
			}
		}
	})
}

// checkResult checks the invariants of one claim result.
func checkResult(t *testing.T, r ClaimResult) {
	t.Helper()
	p := r.Paired
	for name, v := range map[string]float64{"P": r.P, "PAdj": r.PAdj, "PRefute": r.PRefute, "PRefuteAdj": r.PRefuteAdj,
		"PSignFlip": p.PSignFlip, "PWilcoxon": p.PWilcoxon, "PT": p.PT} {
		if !(v >= 0 && v <= 1) {
			t.Fatalf("%s = %v, not a p-value", name, v)
		}
	}
	if r.PAdj < r.P || r.PRefuteAdj < r.PRefute {
		t.Fatalf("adjusted p below raw p: %v < %v or %v < %v", r.PAdj, r.P, r.PRefuteAdj, r.PRefute)
	}
	for name, iv := range map[string]Interval{"CI": p.CI, "T": p.T, "BCa": p.BCa, "Percentile": p.Percentile, "Studentized": p.Studentized} {
		if math.IsNaN(iv.Lo) || math.IsNaN(iv.Hi) || iv.Lo > iv.Hi {
			t.Fatalf("%s = %v", name, iv)
		}
	}
	if math.IsNaN(p.Mean) || !p.CI.Contains(p.Mean) {
		t.Fatalf("CI %v does not hold the mean %v", p.CI, p.Mean)
	}
	switch r.Verdict {
	case Supported:
		if r.Claim.Kind == Superiority {
			s := r.Claim.Predict.sign()
			if (s > 0 && !p.CI.Above(0)) || (s < 0 && !p.CI.Below(0)) || !(r.PAdj < DefaultAlpha) {
				t.Fatalf("supported superiority with CI %v, PAdj %v", p.CI, r.PAdj)
			}
		} else if r.Equiv == nil || !(r.PAdj < DefaultAlpha) || !(r.Equiv.CI.Lo > -r.Claim.Margin && r.Equiv.CI.Hi < r.Claim.Margin) {
			t.Fatalf("supported equivalence with %+v, PAdj %v", r.Equiv, r.PAdj)
		}
	case Refuted:
		if !(r.PRefuteAdj < DefaultAlpha) {
			t.Fatalf("refuted with PRefuteAdj %v", r.PRefuteAdj)
		}
	case Inconclusive:
		if p.N >= 2 && r.SeedsNeeded == 0 {
			t.Fatalf("inconclusive at n = %d without SeedsNeeded", p.N)
		}
	default:
		t.Fatalf("verdict %q", r.Verdict)
	}
	for _, w := range r.Warnings {
		if w == "" || strings.Contains(w, "NaN") || strings.Contains(w, "%!") {
			t.Fatalf("bad warning %q", w)
		}
	}
}
