package shard

import (
	"strings"
	"testing"
)

// FuzzParse checks that every --shard value and scheduler index either parses
// into a shard whose String parses back to it, with its index in [0, n), or is
// refused with an error that quotes the value.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"", "0/1", "3/4", "auto/10", "4/4", "-1/2", "1/0", "a/b", "/", "0/", "+1/2", "0x1/2", " 1/2", "1/2/3"} {
		f.Add(s, "3")
	}
	f.Add("auto/4", "")
	f.Add("auto/4", "9")
	f.Fuzz(func(t *testing.T, s, env string) {
		getenv := func(name string) string {
			if name == "SLURM_ARRAY_TASK_ID" {
				return env
			}
			return ""
		}
		sh, err := ParseEnv(s, getenv)
		if err != nil {
			if !strings.Contains(err.Error(), "--shard") {
				t.Fatalf("ParseEnv(%q) error %q does not name --shard", s, err)
			}
			return
		}
		if sh.N < 1 || sh.Index < 0 || sh.Index >= sh.N {
			t.Fatalf("ParseEnv(%q) = %+v, outside [0, n)", s, sh)
		}
		back, err := ParseEnv(sh.String(), getenv)
		if err != nil || back != sh {
			t.Fatalf("ParseEnv(%q) = %+v, whose String %q parses to %+v, %v", s, sh, sh.String(), back, err)
		}
		sh.Select(12345) // must not panic
	})
}
