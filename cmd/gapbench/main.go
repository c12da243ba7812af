package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

// gcPercent is the garbage collector's target (GOGC) when the environment sets
// none. A study's live heap is mostly the tables memoised for one seed's runs
// (about 125 MB at the quick budget); at Go's default of 100 the heap grows to
// twice that between collections, and the quick study peaked at 300 MB RSS. At 50
// it peaked at 205 MB, for the same user CPU (57 s against 58 s, one seed).
const gcPercent = 50

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	ctx, stop := signalContext()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// signalContext returns a context that the first SIGINT or SIGTERM cancels: in-flight
// runs stop at their next training step, finished results stay in the store, and
// run returns an interruptedError (exit status 130). A second signal ends the
// process at once, with status 130, whatever it is doing (even when the shell
// started it with SIGINT ignored). The returned function stops the handling.
func signalContext() (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sig
		cancel()
		s := <-sig
		fmt.Fprintf(os.Stderr, "gapbench: %v again: exiting at once\n", s)
		os.Exit(130)
	}()
	return ctx, func() {
		signal.Stop(sig)
		cancel()
	}
}

// usageError is bad input: a flag, an arm file, a pairs file. It exits with status 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// exitCode prints err and maps it to the process's exit status.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	fmt.Fprintln(stderr, "gapbench:", err)
	var ue usageError
	if errors.As(err, &ue) {
		return 2
	}
	var ie interruptedError
	if errors.As(err, &ie) {
		return 130
	}
	return 1
}

// run is the whole command, testable in-process.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return cmdRun(ctx, nil, stdout, stderr)
	}
	switch args[0] {
	case "run":
		return cmdRun(ctx, args[1:], stdout, stderr)
	case "report":
		return cmdReport(args[1:], stdout, stderr)
	case "robustness":
		return cmdRobustness(ctx, args[1:], stdout, stderr)
	case "list":
		return cmdList(args[1:], stdout)
	case "show":
		return cmdShow(args[1:], stdout, stderr)
	case "diff":
		return cmdDiff(args[1:], stdout, stderr)
	case "pairs":
		return cmdPairs(args[1:], stdout, stderr)
	case "stats":
		return cmdStats(args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, manual)
		return nil
	}
	return usagef("unknown command %q (gapbench help lists the commands)", args[0])
}
