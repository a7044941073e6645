# casefile build, test and release targets.
GO       ?= go
BIN      ?= casefile
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -s -w -X github.com/casefile/casefile/internal/buildinfo.Version=$(VERSION)
PLATFORMS := linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64
# Packages whose code runs goroutines are tested with the race detector.
RACE_PKGS := ./collect/... ./collectors/... ./bundle/... ./redact/... ./cli/... ./analyze/... ./report/... ./compare/... ./upload/... ./intake/... ./internal/loadcheck/... ./daemon/... ./history/... ./remote/...

# make build SPEC=vendor.yaml embeds a vendor spec into the binary.
SPEC ?=

.PHONY: build test test-short lint cross clean bench bench-compare

build:
ifneq ($(SPEC),)
	$(GO) run ./cmd/casefile spec validate $(SPEC)
	cp $(SPEC) spec/vendor.yaml
	$(GO) build -trimpath -tags embedspec -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/casefile; rc=$$?; rm -f spec/vendor.yaml; exit $$rc
else
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/casefile
endif

# The README's test command. Everything, with -race where goroutines run.
test:
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 20m ./...
	$(GO) test -count=1 -race -timeout 20m $(RACE_PKGS)
	# The daemon's release of executable pages in a position-independent build (distributions
	# build Go programs with -buildmode=pie): it must leave relocated read-only data alone.
	$(GO) test -count=1 -buildmode=pie -run '^TestReleaseExecutablePages$$' ./cli/

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

cross:
	@set -e; for p in $(PLATFORMS); do \
		os=$${p%/*}; arch=$${p#*/}; \
		echo "build $$os/$$arch"; \
		GOOS=$$os GOARCH=$$arch CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o dist/$(BIN)-$$os-$$arch$$( [ $$os = windows ] && echo .exe) ./cmd/casefile; \
	done

bench:
	$(GO) test -run XXX -bench . -benchmem ./redact/ ./bundle/

# casefile's redactor beside gitleaks v8.30.1 (bench/, its own module so that gitleaks'
# dependencies stay out of casefile's), at small sizes with assertions: the dev corpus and a 4 MiB
# generated log. CI runs it after `make test`. bench/go.mod replaces casefile with ../; -mod=mod
# lets it follow the parent module's requirements when they have moved ahead of bench/go.mod
# (run `cd bench && go mod tidy` to record them).
bench-compare:
	cd bench && $(GO) test -mod=mod -count=1 -timeout 5m -run '^TestCompare' -v .

clean:
	rm -rf $(BIN) dist
