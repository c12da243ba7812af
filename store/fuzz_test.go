package store

import (
	"errors"
	"os"
	"testing"
)

// FuzzLoad feeds arbitrary bytes to Load as the content of a result file: it
// must never panic, and must either load a value or report the file as corrupt.
func FuzzLoad(f *testing.F) {
	dir := f.TempDir()
	s, err := Open(dir)
	if err != nil {
		f.Fatal(err)
	}
	if err := s.Save("c0ffee", sample(3)); err != nil {
		f.Fatal(err)
	}
	good, err := os.ReadFile(s.Path("c0ffee"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte(`{"format":1,"key":"c0ffee","sha256":"","payload":{}}`))
	f.Add([]byte(`{"format":1,"key":"c0ffee","sha256":"44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","payload":{}}`))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(s.Path("c0ffee"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		var r result
		found, err := s.Load("c0ffee", &r)
		var ce *CorruptError
		switch {
		case found && err != nil:
			t.Fatalf("Load = true, %v", err)
		case !found && !errors.As(err, &ce):
			t.Fatalf("Load = false, %v; want a *CorruptError", err)
		}
	})
}
