# gapbench: the online–offline gap study.
#   make study    run every suite at the default (quick) budget and print the verdicts
#   make test     the test suite (smoke budgets; a few minutes on 2 cores)
#   make full     the report of record: every suite at the full budget, then the report
#   make report   regenerate reports/ from the committed full-budget results in reports/results (never trains)
#   make robustness  the robustness grid at the quick budget into reports/robustness/results, then its section
#   make bench, make calibrate (the statistics' coverage simulation), make fuzz

GO      ?= go
COMMIT  := $(shell git rev-parse --short HEAD 2>/dev/null)
LDFLAGS := -X gapbench/runner.Commit=$(COMMIT)
RESULTS ?= reports/results
ROBUST_RESULTS ?= reports/robustness/results

.PHONY: study test full report robustness robustness-report bench calibrate fuzz vet

study:
	$(GO) run -ldflags "$(LDFLAGS)" ./cmd/gapbench run

test:
	$(GO) test ./...

full:
	$(GO) run -ldflags "$(LDFLAGS)" ./cmd/gapbench run --budget full --results $(RESULTS) -q > /dev/null
	$(GO) run ./cmd/gapbench report --budget full --results $(RESULTS) --out reports

report:
	$(GO) run ./cmd/gapbench report --budget full --results $(RESULTS) --out reports

# The robustness grid: every suite's deciding claims at every dial value, quick
# budget (10 seeds), recipe protocol (tuned and frontier cost about 30 times as
# much per point: add --protocol all by hand), resuming from the committed
# store; then the section
# (reports/robustness/ROBUSTNESS.md and one figure per hypothesis), rendered
# from the store alone so that it regenerates byte-identically.
robustness:
	$(GO) run -ldflags "$(LDFLAGS)" ./cmd/gapbench robustness --budget quick --results $(ROBUST_RESULTS) -q > /dev/null
	$(MAKE) robustness-report

robustness-report:
	$(GO) run ./cmd/gapbench robustness --budget quick --results $(ROBUST_RESULTS) --no-run --out reports/robustness > /dev/null

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./model/ ./trainer/ ./stats/

calibrate:
	$(GO) test ./stats/ -run Calibration -calibrate -v -timeout 60m

# Every parser has a fuzz target; new inputs that find bugs land in testdata/fuzz.
FUZZTIME ?= 2m
fuzz:
	$(GO) test ./stats/ -run '^$$' -fuzz FuzzEvaluateClaims -fuzztime $(FUZZTIME)
	$(GO) test ./arms/ -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME)
	$(GO) test ./recipe/ -run '^$$' -fuzz '^FuzzApply$$' -fuzztime $(FUZZTIME)
	$(GO) test ./datasets/ -run '^$$' -fuzz '^FuzzReadPairs$$' -fuzztime $(FUZZTIME)
	$(GO) test ./datasets/ -run '^$$' -fuzz '^FuzzReadDemos$$' -fuzztime $(FUZZTIME)
	$(GO) test ./store/ -run '^$$' -fuzz '^FuzzLoad$$' -fuzztime $(FUZZTIME)
	$(GO) test ./shard/ -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME)
	$(GO) test ./judge/ -run '^$$' -fuzz '^FuzzReadResults$$' -fuzztime $(FUZZTIME)
	$(GO) test ./judge/ -run '^$$' -fuzz '^FuzzReadClaims$$' -fuzztime $(FUZZTIME)

vet:
	gofmt -l . && $(GO) vet ./...
