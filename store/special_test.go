package store

import (
	"errors"
	"os"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestLoadSpecialFiles puts things that are not result files at a result key: a
// FIFO (whose read would block for ever), a symbolic link to /dev/zero (whose
// read would never end) and a file over MaxFileSize. Each must come back at once
// as a *CorruptError naming the file, so the caller recomputes the run, and a
// Save must then replace it.
func TestLoadSpecialFiles(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no FIFOs or /dev/zero")
	}
	tests := []struct {
		name   string
		make   func(path string) error
		reason string
	}{
		{"fifo", func(p string) error { return syscall.Mkfifo(p, 0o644) }, "not a regular file"},
		{"symlink to /dev/zero", func(p string) error { return os.Symlink("/dev/zero", p) }, "not a regular file"},
		{"oversized", func(p string) error {
			f, err := os.Create(p)
			if err != nil {
				return err
			}
			defer f.Close()
			return f.Truncate(MaxFileSize + 1)
		}, "more than the"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openTemp(t)
			path := s.Path("c0ffee")
			if err := tt.make(path); err != nil {
				t.Skip(err)
			}
			done := make(chan error, 1)
			go func() {
				var r result
				_, err := s.Load("c0ffee", &r)
				done <- err
			}()
			select {
			case err := <-done:
				var ce *CorruptError
				if !errors.As(err, &ce) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tt.reason) {
					t.Fatalf("Load error %v: want a *CorruptError naming %s and saying %q", err, path, tt.reason)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("Load did not return within 5s")
			}
			mustSave(t, s, "c0ffee", sample(1))
			var r result
			if found, err := s.Load("c0ffee", &r); !found || err != nil {
				t.Errorf("Load after Save = %v, %v; want true, nil", found, err)
			}
		})
	}
}
