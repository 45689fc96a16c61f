package kafka

import (
	"fmt"
	"strings"

	"github.com/twmb/franz-go/pkg/kgo"
)

// CompressionSettings are the property names, as ksqlDB users write them
// in ksql-server.properties, that set the codec of eddy's producers; the
// first one set wins.
func CompressionSettings() []string {
	return []string{
		StreamsPrefix + "producer.compression.type",
		"producer.compression.type",
		StreamsPrefix + "compression.type",
		"compression.type",
	}
}

// compressionCodec maps a Kafka compression.type to franz-go's codec.
// The default is none, as the Java producer's (and so ksqlDB's): franz-go
// alone would write snappy, which some clients (kafkajs) cannot read.
func compressionCodec(name string) (kgo.CompressionCodec, error) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "", "none":
		return kgo.NoCompression(), nil
	case "gzip":
		return kgo.GzipCompression(), nil
	case "snappy":
		return kgo.SnappyCompression(), nil
	case "lz4":
		return kgo.Lz4Compression(), nil
	case "zstd":
		return kgo.ZstdCompression(), nil
	}
	return kgo.CompressionCodec{}, fmt.Errorf("compression.type %q: want none, gzip, snappy, lz4 or zstd", name)
}

// compressionOpt sets a producing client's codec. Each client needs an
// option of its own: franz-go rewrites the option's codec list in place
// when it builds the client.
func compressionOpt(codec kgo.CompressionCodec) kgo.Opt {
	return kgo.ProducerBatchCompression(codec)
}

// CheckCompression reports whether name is a compression.type eddy's
// producers can write.
func CheckCompression(name string) error {
	_, err := compressionCodec(name)
	return err
}
