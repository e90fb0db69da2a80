# TSA: one binary, two commands that matter: `make run` and `make test`.
GO        ?= go
BIN       := bin/tsa
TOOLS     := $(CURDIR)/bin/tools
STATICCHECK_VERSION := v0.8.2
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -X github.com/tsaproject/tsa/internal/buildinfo.Version=$(VERSION)
FUZZTIME  ?= 10s
RUN_ARGS  ?=
NPM       ?= npm
# GO_ONLY=1 builds without the dashboard (no Node needed).
GO_ONLY   ?=
HAVE_NPM  := $(shell command -v $(NPM) 2>/dev/null)
WEB_SRC   := $(wildcard web/index.html web/package.json web/package-lock.json web/vite.config.ts web/tsconfig.json web/src/*.ts web/src/*/*.ts web/src/*.css web/public/*)
# -tags assets embeds web/dist, when it is there (checked when the recipe runs)
ASSET_TAGS = $$(test -z '$(GO_ONLY)' && test -f web/dist/index.html && echo -tags assets)

.PHONY: all build run demo test vet lint test-go fuzz bench clean tools assets dashboard test-browser

all: build

build: dashboard
	$(GO) build $(ASSET_TAGS) -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/tsa

# The dashboard (web/, TypeScript + Vite) into web/dist, always.
assets: web/node_modules/.package-lock.json
	cd web && $(NPM) run build

# The dashboard when it is stale; without npm (or with GO_ONLY=1) bin/tsa is
# built without it and serves a page saying how to build it.
dashboard:
ifneq ($(GO_ONLY),)
	@echo "make: GO_ONLY=1: building $(BIN) without the dashboard"
else ifeq ($(HAVE_NPM),)
	@echo "make: npm not found: building $(BIN) without the dashboard$$(test -f web/dist/index.html && echo ' (embedding the web/dist already there, maybe stale)'); install Node.js and npm, then run make assets"
else
	@$(MAKE) --no-print-directory web/dist/index.html || echo "make: the dashboard did not build (see above); $(BIN) is built without it$$(test -f web/dist/index.html && echo ', or with the older web/dist')"
endif

web/node_modules/.package-lock.json: web/package.json web/package-lock.json
	cd web && $(NPM) ci --no-audit --no-fund

web/dist/index.html: web/node_modules/.package-lock.json $(WEB_SRC)
	cd web && $(NPM) run build
	@touch $@

# The product on embedded defaults: SQLite and the admin token in ./data,
# in-process coordination, the synthetic source, http://127.0.0.1:8080/.
run: build
	$(BIN) serve $(RUN_ARGS)

# A few example posts through the default analyzer.
demo: build
	@printf '%s\n' \
	  'I love how fast this is, best release ever! 😍' \
	  '{"id":"p2","text":"The update broke my phone again. Not happy :(","lang":"en"}' \
	  'The meeting is at 3pm in room 204.' \
	  '{"id":"p4","text":"Ce film était magnifique","lang":"fr"}' \
	  | $(BIN) analyze

test: vet lint test-go fuzz test-browser
	@echo "make test: all checks passed"

vet:
	$(GO) vet ./...

$(TOOLS)/staticcheck:
	GOBIN=$(TOOLS) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

tools: $(TOOLS)/staticcheck

lint: $(TOOLS)/staticcheck
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed on:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(TOOLS)/staticcheck ./...

test-go:
	$(GO) test -race -count=1 ./...

# The dashboard in Debian's headless Chromium: installs what is missing,
# builds bin/tsa with the dashboard, starts it and drives it (test/browser).
test-browser:
	test/browser/run.sh

# A short run of every fuzz target (FUZZTIME each).
fuzz:
	FUZZTIME=$(FUZZTIME) scripts/fuzz.sh

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

clean:
	rm -rf bin web/dist
