// Package progress reports how far a sweep has got: runs done out of the
// total, how many were reused from the results store, time elapsed and an
// estimate of the time left.
//
// On a terminal it draws one bar with github.com/vbauerster/mpb/v8, redrawn
// every second (so the clock moves while long runs are computing):
//
//	runs [###.......]  12/50  reused 3  elapsed 0:12  ETA 0:38  gap/dpo/seed=3
//
// Elsewhere (a log file, a Slurm or Kubernetes job log, a pipe) it prints one
// plain line per finished run, which reads well in a log and greps well:
//
//	runs: 12/50 done (3 reused) elapsed 12s eta 38s: gap/dpo/seed=3
//
// Quiet prints nothing. The estimate assumes the remaining runs take as long
// as the runs computed so far (reused runs cost nothing and do not count);
// until one run has been computed it is "?".
package progress

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
)

// Options configure a Bar. The zero value prints plain lines labelled
// "progress" using the real clock.
type Options struct {
	Quiet    bool   // print nothing at all
	Terminal bool   // draw a bar redrawn in place (set it from IsTerminal(w)) instead of a line per run
	Label    string // prefixes every line, e.g. "runs"; plain lines use "progress" when it is empty
	Width    int    // terminal width in columns; 0 means 80
	// Refresh is how often the terminal bar is redrawn; 0 means every second.
	Refresh time.Duration
	// Now returns the current time; nil means time.Now. Tests pass a fake clock.
	Now func() time.Time
}

// Bar reports the progress of one sweep of a known number of runs. Its
// methods are safe for concurrent use, and a nil *Bar does nothing.
type Bar struct {
	mu       sync.Mutex
	w        io.Writer
	opts     Options
	total    int
	start    time.Time
	done     int
	reused   int
	last     string // the run that finished last
	finished bool
	p        *mpb.Progress // terminal only
	bar      *mpb.Bar
}

// New returns a Bar that reports on w the progress of a sweep of total runs.
// The clock starts now.
func New(w io.Writer, total int, opts Options) *Bar {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Width <= 0 {
		opts.Width = 80
	}
	if opts.Refresh <= 0 {
		opts.Refresh = time.Second
	}
	if w == nil {
		opts.Quiet = true
	}
	b := &Bar{w: w, opts: opts, total: total, start: opts.Now()}
	if opts.Terminal && !opts.Quiet {
		b.p = mpb.New(mpb.WithOutput(w), mpb.WithWidth(opts.Width), mpb.WithRefreshRate(opts.Refresh), mpb.WithAutoRefresh())
		style := mpb.BarStyle().Lbound("[").Filler("#").Tip("#").Padding(".").Rbound("]")
		var label []decor.Decorator
		if opts.Label != "" {
			label = append(label, decor.Name(opts.Label))
		}
		b.bar = b.p.New(int64(total), style, mpb.BarWidth(12), mpb.PrependDecorators(label...),
			mpb.AppendDecorators(decor.Any(b.status)))
	}
	return b
}

// IsTerminal reports whether w is an interactive terminal that can redraw a
// line: a file descriptor that is a TTY, with TERM not set to "dumb".
func IsTerminal(w io.Writer) bool {
	f, ok := w.(interface{ Fd() uintptr })
	if !ok || os.Getenv("TERM") == "dumb" {
		return false
	}
	fd := f.Fd()
	return isatty.IsTerminal(fd) || isatty.IsCygwinTerminal(fd)
}

// Done records that the run called name has finished; reused reports that
// its result was loaded from the results store rather than computed. Calls
// after Finish are ignored.
func (b *Bar) Done(name string, reused bool) {
	if b == nil {
		return
	}
	b.mu.Lock()
	if b.finished {
		b.mu.Unlock()
		return
	}
	b.done++
	if reused {
		b.reused++
	}
	b.last = name
	if !b.opts.Quiet && b.bar == nil {
		elapsed := b.opts.Now().Sub(b.start)
		etaText := "?"
		if eta, known := b.eta(elapsed); known {
			etaText = plainDuration(eta)
		}
		suffix := ""
		if reused {
			suffix = " (reused)"
		}
		fmt.Fprintf(b.w, "%s: %d/%d done (%d reused) elapsed %s eta %s: %s%s\n",
			b.plainLabel(), b.done, b.total, b.reused, plainDuration(elapsed), etaText, name, suffix)
	}
	b.mu.Unlock()
	if b.bar != nil {
		b.bar.Increment() // outside the lock: the bar's redraw calls status, which takes it
	}
}

// Finish draws the final state and ends the line (terminal) or prints a
// summary line (plain). It is safe to call more than once; only the first
// call prints.
func (b *Bar) Finish() {
	if b == nil {
		return
	}
	b.mu.Lock()
	if b.finished {
		b.mu.Unlock()
		return
	}
	b.finished = true
	b.last = ""
	complete := b.done >= b.total
	if !b.opts.Quiet && b.bar == nil {
		verb, prep := "finished", "in"
		if !complete {
			verb, prep = "stopped at", "after"
		}
		fmt.Fprintf(b.w, "%s: %s %d/%d (%d reused) %s %s\n",
			b.plainLabel(), verb, b.done, b.total, b.reused, prep, plainDuration(b.opts.Now().Sub(b.start)))
	}
	b.mu.Unlock()
	if b.bar != nil {
		if complete {
			b.bar.SetTotal(-1, true)
		} else {
			b.bar.Abort(false) // keep the bar where it stopped
		}
		b.p.Wait()
	}
}

// status is the text after the terminal bar: counts, clock, estimate and the
// run that finished last, shortened to the width left.
func (b *Bar) status(st decor.Statistics) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	elapsed := b.opts.Now().Sub(b.start)
	eta, known := b.eta(elapsed)
	etaText := "?"
	if known {
		etaText = clock(eta)
	}
	s := fmt.Sprintf(" %d/%d  reused %d  elapsed %s  ETA %s", b.done, b.total, b.reused, clock(elapsed), etaText)
	if room := st.AvailableWidth - len([]rune(s)) - 3; b.last != "" && room > 0 {
		s += "  " + shorten(b.last, room)
	}
	return s
}

// eta estimates the time left from the mean wall time per computed run.
func (b *Bar) eta(elapsed time.Duration) (time.Duration, bool) {
	left := b.total - b.done
	if left <= 0 {
		return 0, true
	}
	computed := b.done - b.reused
	if computed == 0 {
		return 0, false
	}
	return elapsed / time.Duration(computed) * time.Duration(left), true
}

func (b *Bar) plainLabel() string {
	if b.opts.Label == "" {
		return "progress"
	}
	return b.opts.Label
}

// shorten returns s cut to at most n runes, marking a cut with "…" in the
// middle so that both the suite and the seed stay visible.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	if n == 1 {
		return "…"
	}
	head := (n - 1) / 2
	tail := n - 1 - head
	return string(r[:head]) + "…" + string(r[len(r)-tail:])
}

// clock formats d as m:ss, or h:mm:ss from an hour on.
func clock(d time.Duration) string {
	s := max(0, int64(d.Round(time.Second)/time.Second))
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// plainDuration formats d as 12s, 1m02s or 1h02m03s.
func plainDuration(d time.Duration) string {
	s := max(0, int64(d.Round(time.Second)/time.Second))
	switch {
	case s >= 3600:
		return fmt.Sprintf("%dh%02dm%02ds", s/3600, s/60%60, s%60)
	case s >= 60:
		return fmt.Sprintf("%dm%02ds", s/60, s%60)
	default:
		return fmt.Sprintf("%ds", s)
	}
}
