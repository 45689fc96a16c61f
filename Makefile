# eddy — build, run, test, benchmark.
GO ?= go
BIN := bin/eddy
QTT := ../shared/qtt/query-validation-tests

.PHONY: build run test test-race vet bench conformance clean

build:
	$(GO) build -o $(BIN) ./cmd/eddy

# Starts eddy with its embedded Kafka-protocol broker and opens the shell.
run: build
	./$(BIN)

# The test command CI runs: vet, unit and integration tests.
test:
	$(GO) vet ./...
	$(GO) test -race -count=1 ./...

# Runs the conformance corpus and prints per-file and total pass counts.
conformance: build
	./$(BIN) test --format text $(QTT)/*.json | tail -n 130

bench: build
	$(GO) test -run '^$$' -bench . -benchtime 1x ./bench/ -v
	$(GO) test -run '^$$' -bench . -benchmem ./serde/ ./expr/

clean:
	rm -rf bin
