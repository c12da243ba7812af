# gapbench: the online–offline gap study.
#   make study    run every suite at the default (quick) budget and print the verdicts
#   make test     the test suite (smoke budgets; a few minutes on 2 cores)
#   make full     the report of record: every suite at the full budget, then the report
#   make report   regenerate reports/ from the committed full-budget results in reports/results and the
#                 robustness grid in reports/robustness/results (never trains)
#   make robustness  the robustness grid (quick budget, 10 seeds, every protocol) into
#                 reports/robustness/results, then its table and figures in reports/robustness/
#   make bench, make calibrate (the statistics' coverage simulation), make fuzz

GO      ?= go
COMMIT  := $(shell git rev-parse --short HEAD 2>/dev/null)
LDFLAGS := -X gapbench/runner.Commit=$(COMMIT)
RESULTS ?= reports/results
ROBUST_RESULTS ?= reports/robustness/results
ROBUST_PROTOCOLS ?= all
ROBUST_SEEDS ?= 10

.PHONY: study test full report robustness robustness-report bench calibrate fuzz vet

study:
	$(GO) run -ldflags "$(LDFLAGS)" ./cmd/gapbench run

test:
	$(GO) test ./...

full:
	$(GO) run -ldflags "$(LDFLAGS)" ./cmd/gapbench run --budget full --results $(RESULTS) -q > /dev/null
	$(GO) run ./cmd/gapbench report --budget full --results $(RESULTS) --robustness $(ROBUST_RESULTS) --out reports

# The report of record, with its robustness section read from the committed
# robustness store (the section says how to produce it when the store is empty).
report:
	$(GO) run ./cmd/gapbench report --budget full --results $(RESULTS) --robustness $(ROBUST_RESULTS) --out reports

# The robustness grid: every suite's deciding claims at every dial value under
# every protocol in ROBUST_PROTOCOLS (default all; the data suite runs under
# tuned only), quick budget, 10 seeds (its own, whatever the quick budget's),
# resuming from the committed store; then its full table
# (reports/robustness/ROBUSTNESS.md) and one figure per hypothesis, rendered
# from the store alone so that they regenerate byte-identically. `make report`
# writes the same files and REPORT.md's robustness section.
robustness:
	$(GO) run -ldflags "$(LDFLAGS)" ./cmd/gapbench robustness --budget quick --seeds $(ROBUST_SEEDS) --protocol $(ROBUST_PROTOCOLS) --results $(ROBUST_RESULTS) -q > /dev/null
	$(MAKE) robustness-report

robustness-report:
	$(GO) run ./cmd/gapbench robustness --budget quick --seeds $(ROBUST_SEEDS) --protocol $(ROBUST_PROTOCOLS) --results $(ROBUST_RESULTS) --no-run --out reports/robustness > /dev/null

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
