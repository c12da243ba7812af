package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDocExamples runs every example in the package documentation (doc.go), so the
// manual cannot go stale. Examples of run are shrunk to the smoke budget with two
// seeds (later flags win) and write into a temporary directory.
func TestDocExamples(t *testing.T) {
	if testing.Short() {
		t.Skip("runs smoke sweeps")
	}
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	_, examples, ok := strings.Cut(string(doc), "// Examples:")
	if !ok {
		t.Fatal("doc.go has no Examples section")
	}
	n := 0
	for _, line := range strings.Split(examples, "\n") {
		line = strings.TrimSpace(strings.TrimPrefix(line, "//"))
		if !strings.HasPrefix(line, "gapbench ") {
			continue
		}
		n++
		args := strings.Fields(line)[1:]
		dir := t.TempDir()
		for i, a := range args {
			if a == "out.csv" {
				args[i] = filepath.Join(dir, "out.csv")
			}
			if strings.HasPrefix(a, "examples/") {
				args[i] = filepath.Join("..", "..", a) // examples are run from the module root
			}
		}
		if args[0] == "run" {
			args = append(args, "--budget", "smoke", "--seeds", "2", "-q", "--results", filepath.Join(dir, "results"))
		}
		t.Run(line, func(t *testing.T) {
			if _, stderr, code := gapbench(t, args...); code != 0 {
				t.Errorf("%s: exit %d: %s", line, code, stderr)
			}
		})
	}
	if n < 3 {
		t.Fatalf("found %d examples in doc.go, want at least 3", n)
	}
}
