// Command gapbench runs the gapbench study: the online–offline gap in preference
// fine-tuning and the six hypotheses that might explain it, each as an ablation
// suite over one shared trainer in an exactly enumerable synthetic world.
//
// Usage:
//
//	gapbench run [flags]        train and evaluate suites, print tables and verdicts
//	gapbench report [flags]     regenerate reports/ from stored results (never trains)
//	gapbench robustness [flags] rerun every deciding claim over the robustness grid; print verdict stability
//	gapbench list               suites, arms, claims, protocols, budgets and the robustness grid
//	gapbench show ARM [flags]   the arm's resolved configuration as JSON
//	gapbench diff A B [flags]   the configuration fields in which two arms differ
//	gapbench pairs [flags]      write a world's preference pairs as JSONL
//	gapbench stats FILE [flags] judge results from anywhere: a long CSV against claims
//	gapbench help               this text
//
// Flags of run:
//
//	--suite S        a suite (gap, H1 … H6, theory) or "all" (default all)
//	--budget B       smoke, quick or full (default quick)
//	--protocol P     recipe, tuned, frontier, a comma-separated list, or all (default all):
//	                 recipe trains every arm dpo.epochs epochs (the paper's recipe);
//	                 tuned picks each arm's epochs from 1, 2, 4, …, 64 by its own
//	                 held-out preference likelihood; frontier compares arms at matched
//	                 KL(π‖π_ref) along a long run. Each suite's claims say under which
//	                 protocols they are evaluated; each protocol has its own Holm families.
//	--seeds N        seeds per arm (default: the budget's: smoke 3, quick 20, full 20;
//	                 full also runs the data suite's curve-only sizes)
//	--workers N      concurrent runs (default GOMAXPROCS); results do not depend on it
//	--csv FILE       also write one row per (suite, protocol, arm, seed, metric)
//	--curves FILE    also write the training curves: suite,arm,seed,step,metric,value
//	                 (loss per step; win_rate and kl_ref probes, step 0 = the start policy)
//	--results DIR    the results store: finished runs are reused (default results/)
//	--shard i/n      run only slice i of n of the sweep (auto/n reads the array index)
//	--arms-file F    a JSON or YAML file of extra arms (named diffs of the base config)
//	--add-arm NAMES  comma-separated arms (registered or from --arms-file) to add to the suite
//	--against ARM    the arm an added arm's context claim compares with (default: the
//	                 suite's baseline, dpo)
//	--pairs FILE     use these preference pairs (JSONL) instead of the world's
//	-q               no progress output
//
// Flags of report:
//
//	--results DIR    the results store to read (default results/); report never trains
//	--out DIR        where to write REPORT.md, results.csv and the figures (default reports/)
//	--budget B       the budget the results were run at (default full)
//	--seeds N        seeds per arm (default: the budget's)
//	--protocol P     the protocols the results were run under (default all)
//	--curves FILE    also write the training curves as long CSV (as for run)
//	--arms-file F    a JSON or YAML file of extra arms
//	--add-arm NAMES  arms to add to --suite's tables, claims and figures; their runs must be
//	                 in the store (gapbench run --add-arm), and --out must be given
//	--suite S        the suite --add-arm adds to; the report keeps every suite
//	--against ARM    the comparison arm of the added arms' claims (default dpo)
//	--robustness DIR add the robustness section from the grid stored in DIR (what
//	                 gapbench robustness --results DIR ran; make report passes
//	                 reports/robustness/results). Its table and figures go to
//	                 OUT/robustness/ (ROBUSTNESS.md, robustness_<suite>.svg)
//
// report's robustness section reads the grid from its store alone and never
// trains: the budget is the smallest whose default point is stored (quick and
// full share the default world, so a grid there reads as quick), the seeds the
// most (1 … n) that some protocol has every run of there, the protocols those
// with all of them, and the grid points every dial value whose runs are all
// stored under each of those protocols; what is left out is named in the
// section, with the command that completes it. It states the grid's own budget
// and seeds, which may differ from the report of record's. Without
// --robustness, or when DIR is missing or holds no grid, the report is still
// written and its robustness section says how to produce the grid (a note on
// stderr says why).
//
// Flags of show and diff: --suite S, --budget B, --arms-file F (the suite's
// settings and the budget are applied); show also takes --protocol P (default
// recipe). Flags of pairs: --seed N, --budget B.
//
// Flags of robustness (gapbench list shows the grid: each dial, its values, the
// config paths it sets and the values it accepts):
//
//	--dial D[=V,...]  a dial and its grid (pairs), or chosen values (pairs=128,1024);
//	                  repeatable; default every dial. A value outside the dial's
//	                  range is refused, naming the dial and the value
//	--budget B        smoke, quick or full (default quick): the world the dials vary
//	--seeds N         seeds per arm, the same at every point (default: the budget's,
//	                  at most 10)
//	--protocol P      recipe, tuned, frontier, a comma-separated list, or all
//	                  (default all): the protocols each deciding claim is judged
//	                  under, where its suite evaluates it under them
//	--workers N       concurrent runs (default GOMAXPROCS); results do not depend on it
//	--results DIR     the results store, shared with run (default results/)
//	--shard i/n       run only slice i of n of the grid's runs
//	--no-run          never train: read every run from --results, fail if one is missing
//	--out DIR         also write ROBUSTNESS.md (the full verdict-stability table) and
//	                  one figure per hypothesis to DIR (gapbench report --robustness
//	                  writes the same files to its OUT/robustness/)
//	-q                no progress output
//
// robustness runs each suite's deciding claims at the default point and at every
// dial value, one dial at a time, and judges each point like the report of
// record (Holm across that point's deciding claims). A deciding claim whose
// arms (or suite settings) set a path the dial moves, such as H6's horizon arms
// under the vh dial, is shown as not applicable there, never run at an
// overridden setting. It prints the stability of every hypothesis and deciding
// claim across the grid (holds, flips at named points, or inconclusive at a
// share of points) and the table of Δ, interval and verdict at every point.
//
// gapbench stats reads a long CSV with the header suite,arm,seed,metric,value
// (the suite column is optional), as run --csv writes it or as any other
// runs can be written, e.g. TRL runs of a paper's arms on a language model
// over a few seeds. It prints the arms table (each metric's mean and 95%
// interval, cut at the metric's range for gapbench's own metrics), the
// claims table (paired by seed, Holm across the deciding claims and again
// across the context claims, warnings such as how many seeds a claim needs)
// and the verdict, as run does. Flags of stats:
//
//	--claims F       a YAML or JSON claims file: a "claims:" list of id, metric, a, b,
//	                 kind (superiority or equivalence), direction (greater or less),
//	                 margin, decides (default true) and note; optional title,
//	                 hypothesis, prediction and paper
//	--suite S        use the rows of suite S (needed when the file holds several);
//	                 without --claims, evaluate built-in suite S's claims on the
//	                 file's arm names; with neither, only the arms are summarised
//	--format F       terminal (default), markdown or csv
//
// Bad input exits 2 naming the file, the line and the problem: a missing or
// unknown column, a value that is not a finite number or lies outside a
// gapbench metric's range, a duplicate (arm, seed, metric) row, seeds that do
// not pair, an arm or metric a claim names but the file lacks, and any field
// of a claims file that is unknown, of the wrong type or out of range.
//
// Exit status is 0 on success, 2 for bad input (a flag, an arm file, a pairs
// file, a value above its documented bound, a sweep too large for the machine),
// 1 when a run fails, and 130 when interrupted. Bad input is reported before
// anything runs, and a failed sweep keeps every result it finished. The bounds
// are tabled in the documentation of package recipe (go doc gapbench/recipe).
//
// A run whose loss, parameters or metrics become NaN or infinite stops and is
// recorded as failed, not saved; the sweep finishes the other runs, prints the
// tables with the arm marked "(failed)" and its claims "not judged", and exits 1
// naming the failed runs. An arm whose final training loss exceeds its initial
// loss is marked "(diverged)".
//
// SIGINT (Ctrl-C) or SIGTERM stops the runs in flight within a second, keeps every
// finished result, prints "interrupted: N of M runs finished; rerun the same
// command to resume" and exits 130; a second signal exits at once.
//
// Examples:
//
//	gapbench run --suite gap --budget quick --seeds 10 --csv out.csv
//	gapbench run --suite H6 --budget smoke --protocol recipe
//	gapbench run --suite gap --protocol tuned --budget quick --seeds 10
//	gapbench run --suite gap --protocol frontier --budget quick --seeds 10
//	gapbench robustness --dial tau=0.5
//	gapbench robustness --dial tau=2 --protocol all --results /tmp/rob
//	gapbench show online-dpo-sft
//	gapbench diff dpo hypo --suite H2
//	gapbench list
//	gapbench stats examples/trl-pythia-1b.csv --claims examples/trl-pythia-1b-claims.yaml
package main
