package runner

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gapbench/datasets"
	"gapbench/recipe"
	"gapbench/store"
)

// TestLoad checks that Load reuses exactly what Sweep would: a stored result
// of this version for this key; a missing, corrupt or other-version result is
// missing, once per distinct run, and nothing is computed.
func TestLoad(t *testing.T) {
	st, err := store.Open(t.TempDir())
	require.NoError(t, err)
	dpo, sft := tiny(recipe.MethodDPO), tiny(recipe.MethodSFT)
	stored := []Job{{Suite: "s", Arm: "dpo", Seed: 1, Config: dpo}, {Suite: "s", Arm: "sft", Seed: 1, Config: sft}}
	_, err = New().Sweep(context.Background(), stored, SweepOptions{Store: st})
	require.NoError(t, err)

	old := &Result{Version: "gapbench-0", Hash: Key(sft, 2), Seed: 2, Config: sft}
	require.NoError(t, st.Save(Key(sft, 2), old))
	require.NoError(t, os.WriteFile(st.Path(Key(dpo, 3)), []byte("{not json"), 0o644))

	jobs := append(stored,
		Job{Suite: "t", Arm: "dpo-again", Seed: 1, Config: dpo}, // the same run as the first: reused
		Job{Suite: "s", Arm: "sft", Seed: 2, Config: sft},       // another version: missing
		Job{Suite: "s", Arm: "dpo", Seed: 3, Config: dpo},       // corrupt: missing
		Job{Suite: "s", Arm: "dpo", Seed: 4, Config: dpo},       // never run: missing
		Job{Suite: "t", Arm: "dpo", Seed: 4, Config: dpo},       // the same missing run again
	)
	outs, missing, err := Load(st, jobs)
	require.NoError(t, err)
	require.Len(t, outs, len(jobs))
	for i, o := range outs[:3] {
		assert.True(t, o.Reused, "job %d", i)
		assert.Equal(t, jobs[i], o.Job)
		if assert.NotNil(t, o.Result, "job %d", i) {
			assert.Equal(t, jobs[i].Key(), o.Result.Hash)
		}
	}
	for _, o := range outs[3:] {
		assert.Nil(t, o.Result, o.Job.Name())
		assert.False(t, o.Reused, o.Job.Name())
	}
	var names []string
	for _, u := range missing {
		names = append(names, u.Job.Name())
	}
	assert.Equal(t, []string{"s/sft/seed=2", "s/dpo/seed=3", "s/dpo/seed=4"}, names)
	assert.Same(t, outs[0].Result, outs[2].Result, "one run, read once")
}

// TestCheckData checks a pairs file against every job's world before
// anything runs: a missing file, a changed file and a file of another world
// are errors naming the job; the world's own pairs pass.
func TestCheckData(t *testing.T) {
	dir := t.TempDir()
	c := tiny(recipe.MethodDPO)
	wc := c.World
	wc.Seed = 1
	w, err := datasets.Generate(wc)
	require.NoError(t, err)
	good := filepath.Join(dir, "good.jsonl")
	f, err := os.Create(good)
	require.NoError(t, err)
	require.NoError(t, w.WritePairs(f, w.Pairs))
	require.NoError(t, f.Close())
	raw, err := os.ReadFile(good)
	require.NoError(t, err)

	withFile := func(path, hash string) recipe.Config {
		x := c
		x.Data.Source, x.Data.File, x.Data.FileHash = recipe.DataFile, path, hash
		return x
	}
	other := withFile(good, FileHash(raw))
	other.World.H = 2 // summaries of another length: the pairs do not fit
	for _, tc := range []struct {
		name string
		cfg  recipe.Config
		want string // "" for no error
	}{
		{"the world's own pairs", withFile(good, FileHash(raw)), ""},
		{"no file source", c, ""},
		{"missing file", withFile(filepath.Join(dir, "nope.jsonl"), "abc"), "nope.jsonl"},
		{"changed file", withFile(good, "0123"), "data.file_hash"},
		{"another world", other, "good.jsonl"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckData([]Job{{Suite: "s", Arm: "a", Seed: 1, Config: tc.cfg}})
			if tc.want == "" {
				assert.NoError(t, err)
				return
			}
			var de *DataError
			require.ErrorAs(t, err, &de)
			assert.Contains(t, err.Error(), `suite s, arm "a", world of seed 1`)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// TestSlim checks the slim results of a robustness grid: a sweep of slim jobs
// saves them without the per-step loss curve and marked slim; a slim job is
// served by a slim or a full stored result, a full job only by a full one
// (it recomputes over a slim one and saves it full); and a run that a slim
// and a full job share is kept full. Every metric is the same either way.
func TestSlim(t *testing.T) {
	st, err := store.Open(t.TempDir())
	require.NoError(t, err)
	dpo, online := tiny(recipe.MethodDPO), tiny(recipe.MethodOnline)
	slimDPO := Job{Suite: "grid", Arm: "dpo", Seed: 1, Config: dpo, Slim: true}
	fullDPO := Job{Suite: "s", Arm: "dpo", Seed: 1, Config: dpo}
	saved := func(j Job) *Result {
		t.Helper()
		var res Result
		found, err := st.Load(j.Key(), &res)
		require.NoError(t, err)
		require.True(t, found, j.Name())
		return &res
	}
	ctx := context.Background()

	outs, err := New().Sweep(ctx, []Job{slimDPO}, SweepOptions{Store: st})
	require.NoError(t, err)
	slim := saved(slimDPO)
	assert.True(t, slim.Slim)
	assert.NotContains(t, slim.Curves, "loss")
	assert.Contains(t, slim.Curves, "win_rate", "the probes a frontier claim reads are kept")
	assert.Equal(t, slim.Curves, outs[0].Result.Curves, "the sweep returns what it saved")

	// Load: the slim result serves the slim job, not the full one.
	outs, missing, err := Load(st, []Job{slimDPO, fullDPO, slimDPO})
	require.NoError(t, err)
	assert.True(t, outs[0].Reused)
	assert.Nil(t, outs[1].Result)
	assert.Same(t, outs[0].Result, outs[2].Result)
	require.Len(t, missing, 1)
	assert.Contains(t, missing[0].Err.Error(), "holds a slim result")
	assert.False(t, missing[0].Damaged, "a slim result is not damage")

	// A full job recomputes over it and saves it full, with the same metrics.
	outs, err = New().Sweep(ctx, []Job{fullDPO}, SweepOptions{Store: st})
	require.NoError(t, err)
	assert.False(t, outs[0].Reused)
	full := saved(fullDPO)
	assert.False(t, full.Slim)
	assert.NotEmpty(t, full.Curves["loss"])
	assert.Equal(t, slim.Metrics, full.Metrics)

	// The full result serves a slim job as it is.
	outs, err = New().Sweep(ctx, []Job{slimDPO}, SweepOptions{Store: st})
	require.NoError(t, err)
	assert.True(t, outs[0].Reused)
	assert.NotEmpty(t, outs[0].Result.Curves["loss"])

	// A run that a slim and a full job share is kept full.
	outs, err = New().Sweep(ctx, []Job{
		{Suite: "grid", Arm: "online", Seed: 2, Config: online, Slim: true},
		{Suite: "s", Arm: "online", Seed: 2, Config: online},
	}, SweepOptions{Store: st})
	require.NoError(t, err)
	assert.Same(t, outs[0].Result, outs[1].Result)
	assert.False(t, saved(outs[1].Job).Slim)
}
