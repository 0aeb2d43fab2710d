# Switchboard: `make run` serves the demo, `make test` runs every test.
SHELL := /bin/bash
GO ?= go
BIN := bin/switchboard
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X github.com/switchboard-cc/switchboard/internal/app.Version=$(VERSION)
STATICCHECK := $(shell $(GO) env GOPATH)/bin/staticcheck
STATICCHECK_VERSION := v0.8.2

# The PostgreSQL and NATS that tests use in addition to SQLite and embedded NATS.
export SWITCHBOARD_TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test?sslmode=disable
export SWITCHBOARD_TEST_NATS_URL ?= nats://127.0.0.1:4222

.PHONY: build run test lint fmt-check vet staticcheck unit e2e bench generate tools clean node-deps web web-if-node web-test

# build embeds the web console when it has been built (make web); without
# it the binary serves a page saying how to build it.
build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/switchboard

run: web-if-node build
	$(BIN) serve --demo --log-format text

test: tools fmt-check vet staticcheck generate-check node-deps web web-test unit e2e

# The web console (web/): React + TypeScript + Vite, built into web/dist/app
# and embedded in the binary (web/embed.go).
web:
	npm ci --prefix web --no-audit --no-fund
	npm run --prefix web build

web-if-node:
	@if command -v npm >/dev/null 2>&1; then $(MAKE) web; else echo "make: Node.js not found: the web console is not built (see README)"; fi

web-test:
	npm test --prefix web

tools:
	@test -x $(STATICCHECK) || $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

# The customer-side chat test drives the official amazon-connect-chatjs client from Node;
# the browser tests drive Chromium on the test softphone page with playwright-core.
node-deps:
	npm ci --prefix test/chatjs --no-audit --no-fund
	npm ci --prefix test/browser --no-audit --no-fund

# Go sources must be gofmt-formatted (the e2e-tagged ones too).
fmt-check:
	@out=$$(gofmt -l cmd internal bench test web/*.go); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...
	$(GO) vet -tags e2e ./test/e2e/...

staticcheck: tools
	$(STATICCHECK) ./...
	$(STATICCHECK) -tags e2e ./test/e2e/...

# The committed OpenAPI document must match the route table.
generate-check:
	$(GO) generate ./internal/api
	git diff --exit-code -- internal/api/openapi.json

generate:
	$(GO) generate ./...

unit:
	$(GO) test -race -count=1 ./...

e2e: build
	SWITCHBOARD_E2E_BIN=$(CURDIR)/$(BIN) $(GO) test -race -count=1 -tags e2e ./test/e2e/ ./bench/chatload/ ./bench/bridge/

# Speech recognition (pocketsphinx, cgo): not part of `test`, since it needs
# libpocketsphinx-dev, pocketsphinx-en-us and flite installed.
.PHONY: test-asr
test-asr:
	$(GO) test -count=1 -tags pocketsphinx ./internal/speech/ ./internal/voice/

bench:
	$(GO) test -run '^$$' -bench . -benchtime 2s ./bench/...

clean:
	rm -rf bin data web/dist/app
