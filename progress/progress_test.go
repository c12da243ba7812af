package progress

import (
	"bytes"
	"cmp"
	"io"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/vbauerster/mpb/v8/decor"
)

// fakeClock is a clock the test advances by hand (and the terminal bar's
// drawing goroutine reads).
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// step is one event of a scripted sweep: after advancing the clock by
// after, a run finishes (or, with finish, the sweep does).
type step struct {
	after  time.Duration
	name   string
	reused bool
	finish bool
}

func play(total int, opts Options, steps []step) string {
	var buf syncBuffer
	clk := &fakeClock{t: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	opts.Now = clk.now
	b := New(&buf, total, opts)
	for _, s := range steps {
		clk.advance(s.after)
		if s.finish {
			b.Finish()
		} else {
			b.Done(s.name, s.reused)
		}
	}
	return buf.String()
}

// sweep: 4 runs; two reused at once, then two computed 10s apart.
var sweep = []step{
	{after: 0, name: "gap/sft/seed=0", reused: true},
	{after: time.Second, name: "gap/sft/seed=1", reused: true},
	{after: 9 * time.Second, name: "gap/dpo/seed=0"},
	{after: 10 * time.Second, name: "gap/dpo/seed=1"},
	{after: time.Second, finish: true},
}

func TestPlain(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		total int
		opts  Options
		steps []step
		want  string
	}{
		{
			name: "sweep", total: 4, steps: sweep,
			want: "progress: 1/4 done (1 reused) elapsed 0s eta ?: gap/sft/seed=0 (reused)\n" +
				"progress: 2/4 done (2 reused) elapsed 1s eta ?: gap/sft/seed=1 (reused)\n" +
				// 10s for one computed run, two runs left.
				"progress: 3/4 done (2 reused) elapsed 10s eta 10s: gap/dpo/seed=0\n" +
				"progress: 4/4 done (2 reused) elapsed 20s eta 0s: gap/dpo/seed=1\n" +
				"progress: finished 4/4 (2 reused) in 21s\n",
		},
		{
			name: "label and long durations", total: 50, opts: Options{Label: "H6"},
			steps: []step{
				{after: 12 * time.Second, name: "a"},
				{after: 73*time.Minute + 2*time.Second, name: "b"},
				{after: 0, finish: true},
			},
			// After b: 73m14s for 2 runs, 48 left: 48 × 36m37s = 29h17m36s.
			want: "H6: 1/50 done (0 reused) elapsed 12s eta 9m48s: a\n" +
				"H6: 2/50 done (0 reused) elapsed 1h13m14s eta 29h17m36s: b\n" +
				"H6: stopped at 2/50 (0 reused) after 1h13m14s\n",
		},
		{
			name: "finish twice, done after finish", total: 1,
			steps: []step{{after: time.Second, name: "x"}, {finish: true}, {finish: true}, {name: "late"}},
			want: "progress: 1/1 done (0 reused) elapsed 1s eta 0s: x\n" +
				"progress: finished 1/1 (0 reused) in 1s\n",
		},
		{
			name: "empty sweep", total: 0, steps: []step{{finish: true}},
			want: "progress: finished 0/0 (0 reused) in 0s\n",
		},
		{
			name: "quiet", total: 4, opts: Options{Quiet: true}, steps: sweep, want: "",
		},
		{
			name: "quiet terminal", total: 4, opts: Options{Quiet: true, Terminal: true}, steps: sweep, want: "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := play(tt.total, tt.opts, tt.steps); got != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

// frames splits a terminal bar's output into the lines it drew, without the
// cursor movements between them.
func frames(out string) []string {
	out = regexp.MustCompile("\x1b\\[[0-9;]*[A-Za-z]").ReplaceAllString(out, "\n")
	var fs []string
	for _, l := range strings.FieldsFunc(out, func(r rune) bool { return r == '\n' || r == '\r' }) {
		if strings.TrimSpace(l) != "" {
			fs = append(fs, strings.TrimSpace(l))
		}
	}
	return fs
}

func TestTerminal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		total int
		opts  Options
		steps []step
		last  string // the last frame drawn
	}{
		{
			name: "sweep", total: 4, opts: Options{Terminal: true}, steps: sweep,
			last: "[##########]  4/4  reused 2  elapsed 0:21  ETA 0:00",
		},
		{
			name: "label and estimate", total: 50, opts: Options{Terminal: true, Label: "gap"},
			steps: []step{
				{after: 0, name: "r1", reused: true},
				{after: 0, name: "r2", reused: true},
				{after: 0, name: "r3", reused: true},
				{after: 12 * time.Second, name: "gap/dpo/seed=3"},
				{after: 0, finish: true},
			},
			// 12s for one computed run, 46 left; the sweep stopped early.
			last: "gap [#.........]  4/50  reused 3  elapsed 0:12  ETA 9:12",
		},
		{
			name: "long name shortened to the width", total: 2, opts: Options{Terminal: true, Width: 80},
			steps: []step{
				{after: time.Hour + 2*time.Second, name: "h6/rm-size-sweep/width=256/reward=policy/seed=17"},
				{after: 0, finish: true},
			},
			last: "[#####.....]  1/2  reused 0  elapsed 1:00:02  ETA 1:00:02",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fs := frames(play(tt.total, tt.opts, tt.steps))
			if len(fs) == 0 {
				t.Fatal("nothing drawn")
			}
			if got := fs[len(fs)-1]; !strings.HasPrefix(got, tt.last) {
				t.Errorf("last frame %q, want it to start %q", got, tt.last)
			}
			width := cmp.Or(tt.opts.Width, 80)
			for _, f := range fs {
				if n := utf8.RuneCountInString(f); n > width {
					t.Errorf("frame %q is %d columns wide, want <= %d", f, n, width)
				}
			}
		})
	}
}

// TestStatusShortensName checks that the text after the bar shortens the
// run's name to the width mpb leaves it, keeping both ends.
func TestStatusShortensName(t *testing.T) {
	t.Parallel()
	clk := &fakeClock{}
	b := New(io.Discard, 2, Options{Now: clk.now})
	clk.advance(time.Hour + 2*time.Second)
	b.Done("h6/rm-size-sweep/width=256/reward=policy/seed=17", false)
	got := b.status(decor.Statistics{AvailableWidth: 70})
	want := " 1/2  reused 0  elapsed 1:00:02  ETA 1:00:02  h6/rm-size-…icy/seed=17"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if n := utf8.RuneCountInString(got); n > 70 {
		t.Errorf("%d columns, want <= 70", n)
	}
}

// TestTerminalRedraws checks that the terminal bar is redrawn on its own,
// with the clock moving, while no run finishes.
func TestTerminalRedraws(t *testing.T) {
	t.Parallel()
	var buf syncBuffer
	b := New(&buf, 2, Options{Terminal: true, Refresh: 5 * time.Millisecond})
	time.Sleep(100 * time.Millisecond)
	b.Done("gap/dpo/seed=1", false)
	b.Done("gap/dpo/seed=2", false)
	b.Finish()
	fs := frames(buf.String())
	if n := len(fs); n < 4 {
		t.Errorf("%d frames in 100ms at a 5ms refresh, want several: %q", n, fs)
	}
}

// syncBuffer is a bytes.Buffer safe for the bar's drawing goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestConcurrentDone(t *testing.T) {
	t.Parallel()
	const workers, each = 8, 50
	var buf bytes.Buffer
	b := New(&buf, workers*each, Options{})
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				b.Done("run", (w+i)%3 == 0)
			}
		})
	}
	wg.Wait()
	b.Finish()
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != workers*each+1 {
		t.Fatalf("got %d lines, want %d", len(lines), workers*each+1)
	}
	last := lines[len(lines)-1]
	if !strings.HasPrefix(last, "progress: finished 400/400 (133 reused) in ") {
		t.Errorf("last line %q, want finished 400/400 (133 reused)", last)
	}
}

func TestNilAndNilWriter(t *testing.T) {
	t.Parallel()
	var b *Bar
	b.Done("x", false)
	b.Finish()
	b = New(nil, 3, Options{Terminal: true})
	b.Done("x", false)
	b.Finish()
}

func TestIsTerminal(t *testing.T) {
	t.Parallel()
	f, err := os.CreateTemp(t.TempDir(), "log")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	tests := []struct {
		name string
		w    interface{ Write([]byte) (int, error) }
	}{
		{"buffer", new(bytes.Buffer)},
		{"regular file", f},
		{"pipe", w},
	}
	for _, tt := range tests {
		if IsTerminal(tt.w) {
			t.Errorf("IsTerminal(%s) = true, want false", tt.name)
		}
	}
}

func TestDurations(t *testing.T) {
	t.Parallel()
	tests := []struct {
		d            time.Duration
		clock, plain string
	}{
		{0, "0:00", "0s"},
		{-time.Second, "0:00", "0s"},
		{499 * time.Millisecond, "0:00", "0s"},
		{500 * time.Millisecond, "0:01", "1s"},
		{59 * time.Second, "0:59", "59s"},
		{62 * time.Second, "1:02", "1m02s"},
		{time.Hour - time.Second, "59:59", "59m59s"},
		{time.Hour + 2*time.Minute + 3*time.Second, "1:02:03", "1h02m03s"},
		{100 * time.Hour, "100:00:00", "100h00m00s"},
	}
	for _, tt := range tests {
		if got := clock(tt.d); got != tt.clock {
			t.Errorf("clock(%v) = %q, want %q", tt.d, got, tt.clock)
		}
		if got := plainDuration(tt.d); got != tt.plain {
			t.Errorf("plainDuration(%v) = %q, want %q", tt.d, got, tt.plain)
		}
	}
}

func TestShorten(t *testing.T) {
	t.Parallel()
	tests := []struct {
		s    string
		n    int
		want string
	}{
		{"abcdef", 6, "abcdef"},
		{"abcdef", 10, "abcdef"},
		{"abcdef", 5, "ab…ef"},
		{"abcdef", 4, "a…ef"},
		{"abcdef", 1, "…"},
		{"ααββγγ", 5, "αα…γγ"},
	}
	for _, tt := range tests {
		if got := shorten(tt.s, tt.n); got != tt.want {
			t.Errorf("shorten(%q, %d) = %q, want %q", tt.s, tt.n, got, tt.want)
		}
	}
}
