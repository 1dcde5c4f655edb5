# The two commands of the README's quick start, and what they need first.
# The ECharts bundle the HTML bulletin inlines is fetched from the npm
# registry at build time (pinned, checksum-checked) and never committed.
GO ?= go
TAGS := -tags duckdb_arrow
FUZZTIME ?= 10s

.PHONY: assets build demo test fuzz

assets:
	$(GO) generate ./reports/assets

build: assets
	$(GO) build $(TAGS) -o enlist ./cmd/enlist

demo: build
	./enlist demo

test: assets
	$(GO) test $(TAGS) ./...
	$(MAKE) fuzz

# Each fuzz target briefly, so CI catches a panic or hang on new input.
# A target is package:FuzzName; the seed corpora are in each package's
# testdata/fuzz and run with every plain go test too.
FUZZ_TARGETS := \
	./internal/idnum:FuzzParse ./internal/idnum:FuzzMask ./internal/idnum:FuzzCheckChar \
	./pipelines/validate:FuzzParseDate ./pipelines/validate:FuzzDateForms ./pipelines/validate:FuzzCheck \
	./pipelines/mapping:FuzzDetectHeader ./pipelines/mapping:FuzzHeaderMapping ./pipelines/mapping:FuzzValues \
	./pipelines/read:FuzzCSV ./pipelines/read:FuzzXLSX ./pipelines/read:FuzzSheetXML \
	./pipelines/load:FuzzLoadCSV

fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "+ fuzz $$name in $$pkg for $(FUZZTIME)"; \
		$(GO) test $(TAGS) -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) $$pkg; \
	done
