package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRLHFArmsCSV runs the gap suite at the smoke budget with exact-RLHF and
// oracle arms added, with 1 and 2 workers, and wants byte-identical CSV that
// holds the arms' convergence metrics.
func TestRLHFArmsCSV(t *testing.T) {
	if testing.Short() {
		t.Skip("runs two smoke sweeps")
	}
	dir := t.TempDir()
	var csvs [][]byte
	for _, workers := range []string{"1", "2"} {
		csv := filepath.Join(dir, "out"+workers+".csv")
		// rlhf-linear and oracle-gold are arms of the gap suite; the others are added.
		_, stderr, code := gapbench(t, "run", "--suite", "gap", "--budget", "smoke", "--seeds", "2", "-q", "--protocol", "recipe",
			"--add-arm", "rlhf-local,rlhf-tilt-gold",
			"--workers", workers, "--csv", csv, "--results", filepath.Join(dir, "r"+workers))
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		b, err := os.ReadFile(csv)
		if err != nil {
			t.Fatal(err)
		}
		csvs = append(csvs, b)
	}
	if !bytes.Equal(csvs[0], csvs[1]) {
		t.Error("the CSV differs between 1 and 2 workers")
	}
	for _, want := range []string{"gap,recipe,rlhf-linear,1,converged,", "gap,recipe,rlhf-tilt-gold,2,steps,", "gap,recipe,oracle-gold,1,subopt,", "gap,recipe,rlhf-local,2,win_rate,"} {
		if !bytes.Contains(csvs[0], []byte(want)) {
			t.Errorf("the CSV has no row starting %q", want)
		}
	}
}

// TestShowRLHF checks gapbench show prints an exact-RLHF arm's resolved config.
func TestShowRLHF(t *testing.T) {
	out, stderr, code := gapbench(t, "show", "rlhf-linear")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{`"method": "rlhf"`, `"rlhf": {`, `"reward": "rm"`, `"kind": "linear"`, `"max_steps"`} {
		if !strings.Contains(out, want) {
			t.Errorf("show rlhf-linear lacks %s", want)
		}
	}
}
