# The project's vocabulary: build, test, lint, run, bench, fuzz, demo.

GO          ?= go
BIN         := bin/cloudcfg
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
FUZZTIME    ?= 60s

.PHONY: build test lint run bench fuzz demo cases generate clean

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
	AIRBYTE_CLOUD_CLIENT_ID=example-client-id \
	AIRBYTE_CLOUD_CLIENT_SECRET=example-client-secret \
		./$(BIN) show -c testdata/example.yaml

## demo: the fake Airbyte API on loopback, and `cloudcfg check` against it.
demo: build
	$(GO) build -o bin/fakeairbyte ./internal/cmd/fakeairbyte
	bash scripts/demo.sh bin

## fuzz: each fuzz target of every package for $(FUZZTIME), one target a
## run, since go test fuzzes one target at a time. FUZZMINTIME bounds the
## shrinking of each new input, which by default may take a minute.
fuzz: FUZZMINTIME ?= 5s
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
		for target in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
			echo "fuzz: $$target in $$pkg for $(FUZZTIME)"; \
			$(GO) test -run='^$$' -fuzz="^$$target\$$" \
				-fuzztime=$(FUZZTIME) -fuzzminimizetime=$(FUZZMINTIME) \
				$$pkg; \
		done; \
	done

## cases: the CLI cases beside the checkout, when they are there; a
## fresh clone has none, and skips them.
CASES := ../shared/cases/run
cases:
	@if [ ! -f $(CASES) ]; then \
		echo "cases: skipped: $(CASES) not found"; exit 0; fi; \
	$(MAKE) --no-print-directory build && \
	CLOUDCFG=$(CURDIR)/$(BIN) bash $(CASES)

## generate: rewrite docs/configuration.md and the CLI's golden files.
generate:
	$(GO) test ./internal/docgen -run TestConfigurationPage -update
	$(GO) test ./cmd/cloudcfg -run TestGolden -update

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

clean:
	rm -rf bin
