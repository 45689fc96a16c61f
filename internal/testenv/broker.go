package testenv

import (
	"context"
	"testing"

	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/registry"
)

// Broker starts the embedded Kafka-protocol broker on a free port (keeping
// its data under dir, or in memory when dir is ""), with a client of it
// and the embedded Schema Registry over it, all closed when the test ends.
func Broker(t testing.TB, dir string) (*kafka.Client, *registry.Registry) {
	t.Helper()
	b, err := kafka.StartEmbedded(kafka.EmbeddedConfig{DataDir: dir, Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	ctx := context.Background()
	cl, err := kafka.Dial(ctx, kafka.Config{Brokers: []string{b.Addr()}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close() })
	reg, err := registry.New(ctx, registry.Config{Cluster: cl})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reg.Close() })
	return cl, reg
}
