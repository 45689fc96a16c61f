// Package clients compares eddy's Kafka client, franz-go (kgo), with
// confluent-kafka-go (librdkafka through cgo) against one embedded broker
// (kafka.StartEmbedded) in the same process and the same run: producing
// and consuming the same ≈200-byte records with each client.
//
// The confluent-kafka-go cases sit behind the build tag `confluent`, so
// that `go build ./...` and `go test ./...` never compile cgo. Run both
// clients with
//
//	go test -tags confluent -run '^$' -bench . ./bench/clients/
//
// and add -benchtime 5x for five measured runs of each case (after one
// warm-up run, which is logged too). Without the tag only the franz-go
// cases run. One run is EDDY_BENCH_RECORDS records (default 200 000);
// EDDY_BENCH_COMPRESSION sets the codec both producers use (none, the
// default, or snappy, lz4, zstd, gzip). Each run logs its own figures;
// ns/op is per record. docs/performance.md has the method, the settings
// and the results.
package clients
