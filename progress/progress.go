// Package progress reports how far a sweep has got: runs done out of the
// total, how many were reused from the results store, time elapsed and an
// estimate of the time left.
//
// On a terminal it redraws one line in place:
//
//	[##........]  12/50  reused 3  elapsed 0:12  ETA 0:38  gap/dpo/seed=3
//
// Elsewhere (a log file, a Slurm or Kubernetes job log, a pipe) it prints one
// plain line per finished run, which reads well in a log and greps well:
//
//	progress: 12/50 done (3 reused) elapsed 12s eta 38s: gap/dpo/seed=3
//
// Quiet prints nothing. The estimate assumes the remaining runs take as long
// as the runs computed so far (reused runs cost nothing and do not count);
// until one run has been computed it is "?".
//
// The package only formats and writes; it does not start goroutines or
// timers, so nothing is drawn between completions.
package progress

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/mattn/go-isatty"
)

// barWidth is the number of cells in the terminal bar.
const barWidth = 10

// defaultWidth is the terminal width assumed when Options.Width is 0.
const defaultWidth = 80

// Options configure a Bar. The zero value prints plain lines labelled
// "progress" using the real clock.
type Options struct {
	// Quiet prints nothing at all.
	Quiet bool
	// Terminal redraws a single line with \r instead of printing a line per
	// run. Set it from IsTerminal(w).
	Terminal bool
	// Label prefixes every line, e.g. the suite name; plain lines use
	// "progress" when it is empty.
	Label string
	// Width is the terminal width in columns, to keep the redrawn line from
	// wrapping (long run names are shortened); 0 means 80.
	Width int
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
	lastLen  int // visible width of the last terminal line, to blank it out
	finished bool
}

// New returns a Bar that reports on w the progress of a sweep of total runs.
// The clock starts now.
func New(w io.Writer, total int, opts Options) *Bar {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Width <= 0 {
		opts.Width = defaultWidth
	}
	if w == nil {
		opts.Quiet = true
	}
	return &Bar{w: w, opts: opts, total: total, start: opts.Now()}
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
	defer b.mu.Unlock()
	if b.finished {
		return
	}
	b.done++
	if reused {
		b.reused++
	}
	if b.opts.Quiet {
		return
	}
	elapsed := b.opts.Now().Sub(b.start)
	eta, known := b.eta(elapsed)
	if b.opts.Terminal {
		b.redraw(b.termLine(elapsed, eta, known, name))
		return
	}
	etaText := "?"
	if known {
		etaText = plainDuration(eta)
	}
	suffix := ""
	if reused {
		suffix = " (reused)"
	}
	fmt.Fprintf(b.w, "%s: %d/%d done (%d reused) elapsed %s eta %s: %s%s\n",
		b.plainLabel(), b.done, b.total, b.reused, plainDuration(elapsed), etaText, name, suffix)
}

// Finish draws the final state and ends the line (terminal) or prints a
// summary line (plain). It is safe to call more than once; only the first
// call prints.
func (b *Bar) Finish() {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.finished {
		return
	}
	b.finished = true
	if b.opts.Quiet {
		return
	}
	elapsed := b.opts.Now().Sub(b.start)
	if b.opts.Terminal {
		b.redraw(b.termLine(elapsed, 0, b.done >= b.total, ""))
		fmt.Fprint(b.w, "\n")
		return
	}
	verb, prep := "finished", "in"
	if b.done < b.total {
		verb, prep = "stopped at", "after"
	}
	fmt.Fprintf(b.w, "%s: %s %d/%d (%d reused) %s %s\n",
		b.plainLabel(), verb, b.done, b.total, b.reused, prep, plainDuration(elapsed))
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

// termLine formats the terminal line, shortening name to fit the width.
func (b *Bar) termLine(elapsed, eta time.Duration, etaKnown bool, name string) string {
	filled := barWidth
	if b.total > 0 && b.done < b.total {
		filled = b.done * barWidth / b.total
	}
	var sb strings.Builder
	if b.opts.Label != "" {
		sb.WriteString(b.opts.Label + " ")
	}
	sb.WriteString("[" + strings.Repeat("#", filled) + strings.Repeat(".", barWidth-filled) + "]")
	fmt.Fprintf(&sb, "  %d/%d  reused %d  elapsed %s  ETA ", b.done, b.total, b.reused, clock(elapsed))
	if etaKnown {
		sb.WriteString(clock(eta))
	} else {
		sb.WriteString("?")
	}
	line := sb.String()
	if name == "" {
		return line
	}
	// Leave the last column free: writing it wraps on some terminals.
	room := b.opts.Width - 1 - utf8.RuneCountInString(line) - 2
	if room <= 0 {
		return line
	}
	return line + "  " + shorten(name, room)
}

// redraw overwrites the current terminal line with line.
func (b *Bar) redraw(line string) {
	n := utf8.RuneCountInString(line)
	pad := ""
	if n < b.lastLen {
		pad = strings.Repeat(" ", b.lastLen-n)
	}
	b.lastLen = n
	fmt.Fprint(b.w, "\r"+line+pad)
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
	s := int64(d.Round(time.Second) / time.Second)
	if s < 0 {
		s = 0
	}
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// plainDuration formats d as 12s, 1m02s or 1h02m03s.
func plainDuration(d time.Duration) string {
	s := int64(d.Round(time.Second) / time.Second)
	if s < 0 {
		s = 0
	}
	switch {
	case s >= 3600:
		return fmt.Sprintf("%dh%02dm%02ds", s/3600, s/60%60, s%60)
	case s >= 60:
		return fmt.Sprintf("%dm%02ds", s/60, s%60)
	default:
		return fmt.Sprintf("%ds", s)
	}
}
