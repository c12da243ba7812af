package shard

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// env returns a getenv over a fixed map.
func env(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
}

func TestParse(t *testing.T) {
	t.Parallel()
	slurm3 := map[string]string{"SLURM_ARRAY_TASK_ID": "3"}
	tests := []struct {
		in      string
		env     map[string]string
		want    Shard
		wantErr string // exact error text; "" for success
	}{
		{in: "", want: Shard{0, 1}},
		{in: "0/1", want: Shard{0, 1}},
		{in: "0/3", want: Shard{0, 3}},
		{in: "2/3", want: Shard{2, 3}},
		{in: "9/10", want: Shard{9, 10}},
		{in: "3/3", wantErr: `--shard "3/3": index must be in [0, 3), got 3`},
		{in: "-1/3", wantErr: `--shard "-1/3": index must be in [0, 3), got -1`},
		{in: "0/0", wantErr: `--shard "0/0": count must be ≥ 1, got 0`},
		{in: "0/-2", wantErr: `--shard "0/-2": count must be ≥ 1, got -2`},
		{in: "3", wantErr: `--shard "3": want i/n or auto/n, e.g. 0/4`},
		{in: "1/2/3", wantErr: `--shard "1/2/3": count "2/3" is not an integer`},
		{in: "a/3", wantErr: `--shard "a/3": index "a" is not an integer`},
		{in: "1/x", wantErr: `--shard "1/x": count "x" is not an integer`},
		{in: " 1/3", wantErr: `--shard " 1/3": index " 1" is not an integer`},
		// An unset variable in the shell, and Kubernetes' unexpanded $(VAR).
		{in: "/10", wantErr: `--shard "/10": missing index (is the scheduler's index variable set?)`},
		{in: "$(JOB_COMPLETION_INDEX)/10", wantErr: `--shard "$(JOB_COMPLETION_INDEX)/10": index "$(JOB_COMPLETION_INDEX)" is not an integer`},
		// auto/n.
		{in: "auto/10", env: slurm3, want: Shard{3, 10}},
		{in: "auto/10", env: map[string]string{"JOB_COMPLETION_INDEX": "7"}, want: Shard{7, 10}},
		{in: "auto/10", env: map[string]string{"SLURM_ARRAY_TASK_ID": "1", "JOB_COMPLETION_INDEX": "7"}, want: Shard{1, 10}},
		{in: "auto/4", env: slurm3, want: Shard{3, 4}},
		{in: "auto/3", env: slurm3, wantErr: `--shard "auto/3": SLURM_ARRAY_TASK_ID=3 is not in [0, 3) (shard indexes are 0-based: use --array=0-2)`},
		{in: "auto/3", env: map[string]string{"JOB_COMPLETION_INDEX": "x"}, wantErr: `--shard "auto/3": JOB_COMPLETION_INDEX="x" is not an integer`},
		{in: "auto/3", wantErr: `--shard "auto/3": auto needs one of SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX set`},
		{in: "auto/0", env: slurm3, wantErr: `--shard "auto/0": count must be ≥ 1, got 0`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseEnv(tt.in, env(tt.env))
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Errorf("ParseEnv(%q) = %v, %v; want error %q", tt.in, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("ParseEnv(%q) = %v, %v; want %v, nil", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestParseUsesProcessEnv(t *testing.T) {
	t.Setenv("SLURM_ARRAY_TASK_ID", "")
	t.Setenv("JOB_COMPLETION_INDEX", "2")
	if got, err := Parse("auto/5"); err != nil || got != (Shard{2, 5}) {
		t.Errorf("Parse(auto/5) = %v, %v; want 2/5, nil", got, err)
	}
}

func TestStringRoundTrip(t *testing.T) {
	t.Parallel()
	for _, s := range []Shard{{}, {0, 1}, {0, 2}, {4, 7}} {
		got, err := ParseEnv(s.String(), env(nil))
		want := s
		if s.Whole() {
			want = Shard{0, 1}
		}
		if err != nil || got != want {
			t.Errorf("ParseEnv(%q) = %v, %v; want %v", s.String(), got, err, want)
		}
	}
}

// TestPartition checks that for n = 1..7 every run is in exactly one shard
// and that shard sizes differ by at most one.
func TestPartition(t *testing.T) {
	t.Parallel()
	for _, runs := range []int{0, 1, 6, 7, 50, 101} {
		for n := 1; n <= 7; n++ {
			t.Run(fmt.Sprintf("runs=%d/n=%d", runs, n), func(t *testing.T) {
				t.Parallel()
				owners := make([]int, runs)
				minSize, maxSize := runs, 0
				for i := range n {
					s, err := ParseEnv(fmt.Sprintf("%d/%d", i, n), env(nil))
					if err != nil {
						t.Fatal(err)
					}
					size := 0
					for pos := range runs {
						if s.Select(pos) {
							owners[pos]++
							size++
						}
					}
					minSize, maxSize = min(minSize, size), max(maxSize, size)
				}
				for pos, c := range owners {
					if c != 1 {
						t.Errorf("run %d is in %d shards, want 1", pos, c)
					}
				}
				if runs > 0 && maxSize-minSize > 1 {
					t.Errorf("shard sizes range from %d to %d, want a spread ≤ 1", minSize, maxSize)
				}
			})
		}
	}
}

func TestZeroShardIsWhole(t *testing.T) {
	t.Parallel()
	var s Shard
	for pos := range 10 {
		if !s.Select(pos) {
			t.Errorf("zero Shard.Select(%d) = false, want true", pos)
		}
	}
	if s.String() != "0/1" || !s.Whole() {
		t.Errorf("zero Shard: String() = %q, Whole() = %v; want 0/1, true", s.String(), s.Whole())
	}
}

// TestFilterBalancesArms checks the point of round-robin: with runs sorted by
// arm then seed, every shard gets every arm.
func TestFilterBalancesArms(t *testing.T) {
	t.Parallel()
	arms := []string{"dpo", "dpo-2x", "online-dpo-dpo", "online-dpo-sft", "sft"}
	var runs []string
	for _, a := range arms {
		for seed := range 6 {
			runs = append(runs, fmt.Sprintf("%s/seed=%d", a, seed))
		}
	}
	var all []string
	for i := range 4 {
		got := Filter(Shard{i, 4}, runs)
		all = append(all, got...)
		for _, a := range arms {
			if !slices.ContainsFunc(got, func(r string) bool { return strings.HasPrefix(r, a+"/") }) {
				t.Errorf("shard %d/4 has no run of arm %s: %q", i, a, got)
			}
		}
	}
	slices.Sort(all)
	if want := slices.Sorted(slices.Values(runs)); !slices.Equal(all, want) {
		t.Errorf("shards together hold %q, want %q", all, want)
	}
	if got := Filter(Shard{}, runs); !slices.Equal(got, runs) {
		t.Errorf("Filter(whole) = %q, want all runs", got)
	}
}

func TestSelectPanics(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		s    Shard
		pos  int
	}{
		{"negative position", Shard{0, 2}, -1},
		{"index out of range", Shard{5, 3}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			defer func() {
				if r := recover(); r == nil || !strings.HasPrefix(fmt.Sprint(r), "shard: ") {
					t.Errorf("recovered %v, want a shard: panic", r)
				}
			}()
			tt.s.Select(tt.pos)
		})
	}
}
