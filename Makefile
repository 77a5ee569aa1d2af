# The project's vocabulary: build, test, lint, run, bench, fuzz, demo.

GO          ?= go
BIN         := bin/cloudcfg
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
FUZZTIME    ?= 60s

.PHONY: build test lint run bench fuzz demo cases clean

build:
	$(GO) build -o $(BIN) ./cmd/cloudcfg

## test: vet, then every test under the race detector.
test:
	$(GO) vet ./...
	$(GO) test -race -count=1 ./...

## lint: staticcheck, and golangci-lint where it is installed.
lint:
	$(GO) run $(STATICCHECK) ./...
	@if command -v golangci-lint >/dev/null 2>&1; then golangci-lint run; \
	else echo "golangci-lint not installed; staticcheck only"; fi

## run: show the example configuration, resolved, with secrets redacted.
run: build
	AIRBYTE_CLOUD_CLIENT_SECRET=example-client-secret \
		./$(BIN) show -c testdata/example.yaml

## bench: the peer benchmarks of bench/ and the command's start-up time,
## written to docs/benchmarks.md with medians and ratios to viper.
BENCH_CMD := $(GO) test -run '^$$' -bench . -benchmem -count 6
bench: build
	@mkdir -p docs
	cd bench && bash -o pipefail -c "$(BENCH_CMD) | tee ../bin/bench.txt"
	cd bench && $(GO) run ./cmd/benchdoc -cmd "cd bench && $(BENCH_CMD)" \
		-cli ../$(BIN) -config ../testdata/example.yaml -runs 30 \
		../bin/bench.txt >../bin/benchmarks.md
	mv bin/benchmarks.md docs/benchmarks.md

## cases: the CLI cases beside the checkout, when they are there.
cases: build
	CLOUDCFG=$(CURDIR)/$(BIN) bash ../shared/cases/run

clean:
	rm -rf bin
