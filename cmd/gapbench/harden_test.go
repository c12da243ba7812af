package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gapbench/runner"
)

// armFile writes a one-arm file whose diff is the YAML flow mapping diff.
func armFile(t *testing.T, dir, name, diff string) string {
	t.Helper()
	path := filepath.Join(dir, name+".yaml")
	require.NoError(t, os.WriteFile(path, []byte("arms:\n  - name: "+name+"\n    doc: an attempt from the hardening issue\n    diff: "+diff+"\n"), 0o644))
	return path
}

// TestRefusedUpFront runs the hardening issue's attempts that passed validation
// and then took the machine, or were silently ignored or misreported: each must
// now exit with status 2 before anything runs, with a message that names the
// field or flag, the value and, for a bound, the bound.
func TestRefusedUpFront(t *testing.T) {
	dir := t.TempDir()
	pairs, _, _ := gapbench(t, "pairs", "--seed", "1", "--budget", "smoke")
	goodPairs := filepath.Join(dir, "good.jsonl")
	require.NoError(t, os.WriteFile(goodPairs, []byte(pairs), 0o644))
	long := filepath.Join(dir, "long.jsonl")
	lines := strings.SplitAfter(pairs, "\n")
	require.NoError(t, os.WriteFile(long, []byte(lines[0]+lines[1]+`{"prompt": [`+strings.Repeat("1, ", 400000)+"1]}\n"+pairs), 0o644))
	twoDocs := filepath.Join(dir, "two.yaml")
	require.NoError(t, os.WriteFile(twoDocs, []byte("arms:\n  - name: a\n    doc: first\n    diff: {method: dpo}\n---\narms:\n  - name: b\n    doc: second\n    diff: {method: dpo}\n"), 0o644))
	arm := func(name, diff string) []string {
		return []string{"run", "--suite", "H2", "--budget", "smoke", "--arms-file", armFile(t, dir, name, diff), "--add-arm", name}
	}
	results := filepath.Join(dir, "results")
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"policy.width 1e7", arm("wide", "{policy.width: 10000000}"), []string{"policy.width", "<= 2048", "10000000"}},
		{"world.teacher_width 1e7", arm("teacher", "{world.teacher_width: 10000000}"), []string{"world.teacher_width", "<= 4096", "10000000"}},
		{"world.pairs 1e9", arm("pairs", "{world.pairs: 1000000000}"), []string{"world.pairs", "<= 1048576", "1000000000"}},
		{"world.demos 1e9", arm("demos", "{world.demos: 1000000000}"), []string{"world.demos", "<= 1024"}},
		{"online.k 1e9", arm("k", "{method: online, online.k: 1000000000}"), []string{"online.k", "<= 1024"}},
		{"rm.data_mult 1e9", arm("mult", "{rm.data_mult: 1000000000}"), []string{"rm.data_mult", "<= 64"}},
		{"dpo.batch 1e9", arm("batch", "{dpo.batch: 1000000000}"), []string{"dpo.batch", "<= 65536"}},
		{"dpo.kl_samples 1e9", arm("kls", "{dpo.kl_samples: 1000000000}"), []string{"dpo.kl_samples", "<= 256"}},
		{"dpo.epochs 1e18", arm("long", "{dpo.epochs: 1000000000000000000}"), []string{"dpo.epochs", "<= 1000", "1000000000000000000"}},
		{"sft.epochs 1e9", arm("sftlong", "{sft.epochs: 1000000000}"), []string{"sft.epochs", "<= 1000"}},
		{"seeds 100000", []string{"run", "--seeds", "100000"}, []string{"--seeds 100000", "runs", "50000"}},
		{".nan", arm("nan", "{dpo.beta: .nan}"), []string{`field "dpo.beta"`, "NaN is not a finite number"}},
		{".inf", arm("inf", "{dpo.beta: .inf}"), []string{`field "dpo.beta"`, "+Inf is not a finite number"}},
		{"1e309", arm("huge", "{dpo.beta: 1e309}"), []string{`field "dpo.beta"`, "number 1e309 is out of the range"}},
		{"second document", []string{"run", "--suite", "H2", "--arms-file", twoDocs, "--add-arm", "b"}, []string{"two.yaml", "more than one YAML document"}},
		{"pairs with H4", []string{"run", "--suite", "H4", "--budget", "smoke", "--pairs", goodPairs}, []string{"--pairs", "dpo-narrow", "brings its own data"}},
		{"pairs with all", []string{"run", "--budget", "smoke", "--pairs", goodPairs}, []string{"--pairs", "H4", "brings its own data"}},
		{"csv with theory", []string{"run", "--suite", "theory", "--csv", filepath.Join(dir, "t.csv")}, []string{"--csv", "theory"}},
		{"pairs with theory", []string{"run", "--suite", "theory", "--pairs", goodPairs}, []string{"--pairs", "theory"}},
		{"csv is a directory", []string{"run", "--suite", "gap", "--budget", "smoke", "--csv", dir}, []string{"--csv", "is a directory"}},
		{"csv with shard", []string{"run", "--suite", "gap", "--budget", "smoke", "--shard", "0/2", "--csv", filepath.Join(dir, "s.csv")}, []string{"--csv", "shard"}},
		{"pairs line too long", []string{"run", "--suite", "gap", "--budget", "smoke", "--seeds", "1", "--pairs", long}, []string{"long.jsonl:3", "line longer than"}},
		{"flag value named like a flag", []string{"run", "--suite", "gap", "--budget", "smoke", "--pairs", "seeds"}, []string{"--pairs", "seeds"}},
		{"suite named like a flag", []string{"run", "--suite", "workers"}, []string{"--suite", `"workers"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append(tt.args, "--results", results, "-q")
			_, stderr, code := gapbench(t, args...)
			assert.Equal(t, 2, code, "exit status (stderr: %s)", stderr)
			for _, w := range tt.want {
				assert.Contains(t, stderr, w)
			}
			assert.NotContains(t, stderr, "must be >= 1, got 0", "a flag value was taken for a flag")
			entries, _ := os.ReadDir(results)
			assert.Empty(t, entries, "results were written despite the error")
		})
	}
}

// TestBadFlagPrintsSubcommandUsage checks that a bad flag prints the
// subcommand's flags, not the whole manual.
func TestBadFlagPrintsSubcommandUsage(t *testing.T) {
	for _, cmd := range []string{"run", "report", "show", "pairs"} {
		_, stderr, code := gapbench(t, cmd, "--nope")
		assert.Equal(t, 2, code, cmd)
		assert.Contains(t, stderr, "usage: gapbench "+cmd, cmd)
		assert.NotContains(t, stderr, manual[:200], cmd)
	}
	_, stderr, code := gapbench(t, "report", "--results", "seeds")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, `--results "seeds"`)
}

// TestPairsWithBOM accepts a pairs file that starts with a UTF-8 byte-order mark.
func TestPairsWithBOM(t *testing.T) {
	dir := t.TempDir()
	pairs, _, _ := gapbench(t, "pairs", "--seed", "1", "--budget", "smoke")
	file := filepath.Join(dir, "bom.jsonl")
	require.NoError(t, os.WriteFile(file, append([]byte("\uFEFF"), pairs...), 0o644))
	_, stderr, code := gapbench(t, "run", "--suite", "gap", "--budget", "smoke", "--seeds", "1", "-q",
		"--pairs", file, "--results", filepath.Join(dir, "r"))
	assert.Equal(t, 0, code, stderr)
}

// TestWrittenFilesHonourUmask checks that the CSV is created with 0666 less the
// umask, as any command's output, not 0600.
func TestWrittenFilesHonourUmask(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no umask")
	}
	dir := t.TempDir()
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	csv := filepath.Join(dir, "out.csv")
	require.NoError(t, writeFileAtomic(csv, func(w io.Writer) error { _, err := fmt.Fprintln(w, "x"); return err }))
	st, err := os.Stat(csv)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o644), st.Mode().Perm())
	entries, _ := os.ReadDir(dir)
	assert.Len(t, entries, 1, "a temporary file was left behind")
}

// TestNonFiniteRunFails runs an arm whose learning rate (1e308) makes its
// parameters overflow: the sweep must finish the other arms, print the tables
// with the arm marked failed, save nothing for it, and exit 1 naming it.
func TestNonFiniteRunFails(t *testing.T) {
	dir := t.TempDir()
	file := armFile(t, dir, "blowup", "{method: dpo, dpo.lr: 1e308}")
	results := filepath.Join(dir, "r")
	stdout, stderr, code := gapbench(t, "run", "--suite", "gap", "--budget", "smoke", "--seeds", "2", "-q", "--protocol", "recipe",
		"--arms-file", file, "--add-arm", "blowup", "--results", results)
	assert.Equal(t, 1, code, stderr)
	assert.Contains(t, stderr, "2 runs failed")
	assert.Contains(t, stderr, "gap/blowup/seed=1")
	assert.Contains(t, stderr, "became")
	assert.Contains(t, stdout, "blowup (failed)")
	assert.Contains(t, stdout, "not judged")
	assert.NotContains(t, stderr, "unsupported value")
	// A rerun reuses every finished run and fails the same way, without saving.
	_, stderr2, code2 := gapbench(t, "run", "--suite", "gap", "--budget", "smoke", "--seeds", "2", "-q", "--protocol", "recipe",
		"--arms-file", file, "--add-arm", "blowup", "--results", results)
	assert.Equal(t, 1, code2, stderr2)
}

// TestDivergedRunMarked runs an arm at learning rate 1e6 (finite, but its loss
// ends far above where it started): the arms table marks it diverged.
func TestDivergedRunMarked(t *testing.T) {
	dir := t.TempDir()
	file := armFile(t, dir, "hot", "{method: dpo, dpo.lr: 1000000}")
	stdout, stderr, code := gapbench(t, "run", "--suite", "gap", "--budget", "smoke", "--seeds", "2", "-q",
		"--arms-file", file, "--add-arm", "hot", "--results", filepath.Join(dir, "r"))
	if code == 1 && strings.Contains(stderr, "failed") {
		t.Skipf("the run became non-finite instead: %s", stderr)
	}
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "hot (diverged)")
}

// TestReportNamesMissingRuns deletes one result and damages another: report
// must say which runs are missing and why.
func TestReportNamesMissingRuns(t *testing.T) {
	dir := t.TempDir()
	results := filepath.Join(dir, "r")
	// Run only the theory-free gap suite at 1 seed: report needs every suite,
	// so most runs are missing and the message lists some by name with a reason.
	_, stderr, code := gapbench(t, "run", "--suite", "gap", "--budget", "smoke", "--seeds", "1", "-q", "--results", results)
	require.Equal(t, 0, code, stderr)
	_, stderr, code = gapbench(t, "report", "--budget", "smoke", "--seeds", "1", "--results", results, "--out", filepath.Join(dir, "out"))
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "runs have no valid result")
	assert.Contains(t, stderr, "/seed=1: not run (no file ")
	assert.Contains(t, stderr, "more")
}

// stopSlack is how long the signal tests allow a process to stop: the behaviour
// asked for is under a second, and the rest is room for a heavily loaded machine.
const stopSlack = 5 * time.Second

// TestMainInterrupted runs gapbench as a child process on a sweep with one slow
// run, sends SIGINT once the quick runs have finished, and checks that it stops
// within a second, keeps the finished results, prints how many finished and
// exits with status 130.
func TestMainInterrupted(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no SIGINT")
	}
	if testing.Short() {
		t.Skip("runs a child process")
	}
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			file := armFile(t, dir, "slow", "{method: dpo, dpo.epochs: 1000, dpo.batch: 1}")
			results := filepath.Join(dir, "r")
			cmd := exec.Command(os.Args[0], "-test.run=^TestHelperMain$")
			cmd.Env = append(os.Environ(), "GAPBENCH_MAIN=1", "GAPBENCH_ARGS="+strings.Join([]string{"run", "--suite", "gap",
				"--budget", "smoke", "--seeds", "1", "-q", "--workers", "2", "--protocol", "recipe", "--arms-file", file, "--add-arm", "slow", "--results", results}, "\x1f"))
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			require.NoError(t, cmd.Start())
			// Wait until the quick runs are saved and only the slow one is left.
			deadline := time.Now().Add(60 * time.Second)
			for {
				entries, _ := os.ReadDir(results)
				if len(entries) >= 5 || time.Now().After(deadline) {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			time.Sleep(200 * time.Millisecond)
			sent := time.Now()
			require.NoError(t, cmd.Process.Signal(sig))
			err := cmd.Wait()
			took := time.Since(sent)
			var ee *exec.ExitError
			require.True(t, errors.As(err, &ee), "exit: %v (stderr: %s)", err, stderr.String())
			assert.Equal(t, 130, ee.ExitCode(), stderr.String())
			// Well under a second on an idle machine; the slack is for a loaded
			// one. Without cancellation the slow run would train for minutes.
			assert.Less(t, took, stopSlack, "stopping took %s", took)
			assert.Regexp(t, `interrupted: \d+ of \d+ runs finished; rerun the same command to resume`, stderr.String())
			entries, _ := os.ReadDir(results)
			var n int
			fmt.Sscanf(stderr.String()[strings.Index(stderr.String(), "interrupted: ")+len("interrupted: "):], "%d", &n)
			assert.Equal(t, n, len(entries), "the finished runs are not all kept")
			assert.Greater(t, n, 0)
		})
	}
}

// TestSecondSignalExits starts a child that installs main's signal handling and
// then ignores the cancellation (as a phase that cannot stop would): the first
// SIGINT cancels, and the second must end the process at once.
func TestSecondSignalExits(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no SIGINT")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperMain$")
	cmd.Env = append(os.Environ(), "GAPBENCH_MAIN=block")
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	defer cmd.Process.Kill()
	lines := make(chan string, 4)
	go func() {
		b := make([]byte, 256)
		for {
			n, err := out.Read(b)
			if n > 0 {
				lines <- string(b[:n])
			}
			if err != nil {
				close(lines)
				return
			}
		}
	}()
	expect := func(want string) {
		t.Helper()
		select {
		case l := <-lines:
			require.Contains(t, l, want)
		case <-time.After(10 * time.Second):
			t.Fatalf("child did not print %q", want)
		}
	}
	expect("ready")
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	expect("cancelled")
	sent := time.Now()
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		require.True(t, errors.As(err, &ee), "child exited with %v", err)
		assert.Equal(t, 130, ee.ExitCode())
		assert.Less(t, time.Since(sent), stopSlack)
	case <-time.After(5 * time.Second):
		t.Fatal("the second SIGINT did not end the process")
	}
}

// TestHelperMain is the child process of TestMainInterrupted (it runs main with
// the arguments in GAPBENCH_ARGS) and of TestSecondSignalExits.
func TestHelperMain(t *testing.T) {
	switch os.Getenv("GAPBENCH_MAIN") {
	case "":
		t.Skip("child process of TestMainInterrupted")
	case "block":
		ctx, _ := signalContext()
		fmt.Println("ready")
		<-ctx.Done()
		fmt.Println("cancelled")
		time.Sleep(time.Minute)
		os.Exit(0)
	}
	os.Args = append([]string{"gapbench"}, strings.Split(os.Getenv("GAPBENCH_ARGS"), "\x1f")...)
	main()
}

// TestSweepTooLargeForMemory asks for a sweep of 1,000 seeds of a world at its
// bounds (hundreds of GiB of worlds): it must be refused before anything runs,
// with the estimate, and no results directory created.
func TestSweepTooLargeForMemory(t *testing.T) {
	if runner.MachineMemory() == 0 {
		t.Skip("the machine's memory is unknown here")
	}
	dir := t.TempDir()
	file := armFile(t, dir, "big", "{method: dpo, world.h: 6, world.train_prompts: 128, world.val_prompts: 64, world.aug_prompts: 64}")
	results := filepath.Join(dir, "r")
	_, stderr, code := gapbench(t, "run", "--suite", "gap", "--arms-file", file, "--add-arm", "big", "--seeds", "1000", "-q", "--results", results)
	assert.Equal(t, 2, code, stderr)
	assert.Regexp(t, `needs an estimated \d+\.\d GiB of memory, more than this machine's`, stderr)
	_, err := os.Stat(results)
	assert.True(t, os.IsNotExist(err), "the results directory was created")
}
