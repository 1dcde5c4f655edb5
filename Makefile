# The two commands of the README's quick start, and what they need first.
# The ECharts bundle the HTML bulletin inlines is fetched from the npm
# registry at build time (pinned, checksum-checked) and never committed.
GO ?= go
TAGS := -tags duckdb_arrow
FUZZTIME ?= 10s

.PHONY: assets build demo test fuzz bench

assets:
	$(GO) generate ./reports/assets

build: assets
	$(GO) build $(TAGS) -o enlist ./cmd/enlist

demo: build
	./enlist demo

# Speed, measured in one run (docs/BENCHMARKS.md): a generated province of
# 1,000,000 registrations and the large scenario at 10,000,000, enlist
# against DuckDB's limit and the pandas peer (python3-pandas,
# python3-openpyxl). BENCH_FLAGS adds flags, e.g. --large 0 --runs 1.
BENCH_FLAGS ?=
bench: build
	./enlist bench --out bench.json $(BENCH_FLAGS)

test: assets
	$(GO) test $(TAGS) -timeout 30m ./...
	$(MAKE) fuzz

# Each fuzz target briefly, so CI catches a panic or hang on new input.
# A target is package:FuzzName, found from the test files so that a new
# fuzz test is run without being listed here; the seed corpora are in each
# package's testdata/fuzz and run with every plain go test too.
FUZZ_TARGETS := $(shell grep -r --include='*_test.go' --exclude-dir=node_modules -o '^func Fuzz[A-Za-z0-9_]*' . | \
	sed -E 's|/[^/]*_test\.go:func |:|' | sort)

# Go 1.26's fuzz coordinator can report "context deadline exceeded" as the
# -fuzztime deadline races a busy worker (golang/go#75804, fixed in Go 1.27):
# a run fails only when it wrote a failing input to testdata/fuzz or failed
# for any other reason.
fuzz:
	@for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; corpus=$$pkg/testdata/fuzz/$$name; \
		echo "+ fuzz $$name in $$pkg for $(FUZZTIME)"; \
		before=$$(ls $$corpus 2>/dev/null | wc -l); \
		log=$$(mktemp); \
		if $(GO) test $(TAGS) -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) $$pkg >$$log 2>&1; then \
			tail -n 1 $$log; rm -f $$log; continue; \
		fi; \
		after=$$(ls $$corpus 2>/dev/null | wc -l); \
		if [ "$$after" = "$$before" ] && grep -q 'context deadline exceeded' $$log && ! grep -q -- '--- FAIL: .*/' $$log; then \
			echo "  $$name: stopped by Go's fuzztime race (golang/go#75804), no failing input"; rm -f $$log; continue; \
		fi; \
		cat $$log; rm -f $$log; exit 1; \
	done
