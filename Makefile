# eddy — build, run, test, benchmark.
GO ?= go
BIN := bin/eddy
QTT := ../shared/qtt/query-validation-tests

.PHONY: build run test test-race vet bench bench-server conformance clean console console-check

# The version `eddy version` prints: the tag when HEAD is tagged, else a Go
# pseudo-version (v0.0.0-<commit time UTC>-<commit>), "+dirty" with
# uncommitted changes. Stamped at link time because the toolchain records
# no VCS details with -buildvcs=false or in a git worktree.
VERSION ?= $(shell git describe --tags --exact-match 2>/dev/null || \
	TZ=UTC git log -1 --abbrev=12 --date=format-local:%Y%m%d%H%M%S --format='v0.0.0-%cd-%h' 2>/dev/null)$(shell git diff --quiet HEAD 2>/dev/null || echo +dirty)
COMMIT ?= $(shell git rev-parse HEAD 2>/dev/null)
LDFLAGS := -X main.buildVersion=$(VERSION) -X main.buildCommit=$(COMMIT)

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/eddy

# Starts eddy with its embedded Kafka-protocol broker and opens the shell.
run: build
	./$(BIN)

# The test command CI runs: vet, unit and integration tests. The real
# servers connector tests need (MariaDB with a binary log, FerretDB for
# MongoDB, ZincSearch for Elasticsearch) start from ../shared/testinfra on
# free ports for the run and stop after it, and ClickHouse (Debian's
# clickhouse-server, installed where missing) from internal/testinfra;
# tests read MYSQL_DSN, MONGO_URL, ES_URL and CLICKHOUSE_URL, fail without
# them under CI=true and skip otherwise. The JDBC connector tests use the
# PostgreSQL on the standard port (PG_DSN; each test makes and drops its
# own schema or database).
TESTINFRA := ../shared/testinfra/up
CLICKHOUSE_INFRA := internal/testinfra/clickhouse
PG_DSN ?= postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable
export PG_DSN
test: console-check
	$(GO) vet ./...
	@# eddy builds for Windows too (build-tagged files: internal/filelock,
	@# repl/pollable_*.go, cmd/eddy/userdirs_*.go); a compile, not a run:
	@# about 4 s with Go's build cache warm, 2 min on an empty one (2 cores).
	GOOS=windows GOARCH=amd64 $(GO) build ./...
	@# The serde package again without its assembly (the portable loops).
	$(GO) vet -tags purego ./serde
	$(GO) test -count=1 -tags purego ./serde
	@trap '$(CLICKHOUSE_INFRA) down; [ ! -x $(TESTINFRA) ] || $(TESTINFRA) down' EXIT && \
		if [ -x $(TESTINFRA) ]; then eval "$$($(TESTINFRA) mysql mongo es)"; fi && \
		eval "$$($(CLICKHOUSE_INFRA))" && \
		$(GO) test -race -count=1 -timeout 40m ./...

# Runs the conformance corpus and prints per-file and total pass counts.
conformance: build
	./$(BIN) test --format text $(QTT)/*.json | tail -n 130

# Nexmark q0 in a real `eddy server` process (1M bids produced by a
# separate process, the query over the REST API): events per CPU-second of
# the server, its GC cycles and GC CPU, peak RSS. Server environment:
# SERVER_BENCH_ARGS='-env GOGC=200' (see docs/operations.md).
bench-server: build
	$(GO) run ./bench/serverbench -bin $(BIN) $(SERVER_BENCH_ARGS)

bench: build
	$(GO) test -run '^$$' -bench . -benchtime 1x -timeout 45m ./bench/ -v
	$(GO) test -run '^$$' -bench . -benchmem ./serde/ ./expr/ ./connect/datagen/
	$(GO) test -run '^$$' -bench 'Put|Get' ./state/
	$(GO) test -run '^$$' -bench BytesPerKey -benchtime 1x ./state/
	@# EMIT FINAL cost per record over 10k/100k/1M keys; heap per COUNT key
	$(GO) test -run '^$$' -bench 'EmitFinalKeys|CountHeapPerKey' -benchtime 1x ./runtime/
	@# documents/s (rows/s for JDBC) into the sink connectors and change events/s out of
	@# MariaDB, against the real test servers
	@if [ -x $(TESTINFRA) ]; then \
		eval "$$($(TESTINFRA) mysql mongo es)" && trap '$(TESTINFRA) down' EXIT && \
		$(GO) test -run '^$$' -bench . -benchtime 5000x ./connect/elasticsearch/ && \
		$(GO) test -run '^$$' -bench . -benchtime 1000x ./connect/mongodb/ && \
		$(GO) test -run '^$$' -bench . -benchtime 20000x ./connect/jdbc/ && \
		$(GO) test -run '^$$' -bench . -benchtime 1x ./connect/mysqlcdc/ ; fi
	@# rows/s into ClickHouse
	@trap '$(CLICKHOUSE_INFRA) down' EXIT && eval "$$($(CLICKHOUSE_INFRA))" && \
		$(GO) test -run '^$$' -bench Sink -benchtime 100000x ./connect/clickhouse/

# The web console (console/): its built page in console/dist is committed
# and embedded in the binary. `make console` rebuilds it from the source
# with the locked npm packages; `make console-check` (part of make test)
# builds it afresh elsewhere and fails if the committed build differs.
NPM_CI := npm ci --no-audit --no-fund --loglevel=error
console:
	cd console && $(NPM_CI) && npx vite build
	@du -b console/dist/assets/* | sed 's|console/dist/||'

console-check:
	@if ! command -v npm >/dev/null; then \
		if [ "$$CI" = true ]; then echo "console-check needs npm"; exit 1; fi; \
		echo "console-check skipped: no npm"; exit 0; fi; \
	cd console && { [ -d node_modules/vite ] || $(NPM_CI); } && \
	out=$$(mktemp -d) && trap 'rm -rf $$out' EXIT && \
	EDDY_CONSOLE_OUT=$$out/dist npx vite build --logLevel error && \
	if diff -r dist $$out/dist >/dev/null; then echo "console/dist matches console/src"; \
	else echo "console/dist is stale: run make console and commit console/dist"; diff -rq dist $$out/dist; exit 1; fi

clean:
	rm -rf bin
