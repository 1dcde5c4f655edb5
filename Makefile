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
fuzz:
	@echo "no fuzz targets yet"
