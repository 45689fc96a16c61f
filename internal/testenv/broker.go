package testenv

import (
	"context"
	"testing"

	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/registry"
)

// Kafka starts the embedded Kafka-protocol broker on a free port (keeping
// its data under dir, or in memory when dir is ""), with a client of it,
// both closed when the test ends; addr is the broker's, for clients of
// other kinds.
func Kafka(t testing.TB, dir string) (addr string, cl *kafka.Client) {
	t.Helper()
	b, err := kafka.StartEmbedded(kafka.EmbeddedConfig{DataDir: dir, Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	cl, err = kafka.Dial(context.Background(), kafka.Config{Brokers: []string{b.Addr()}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close() })
	return b.Addr(), cl
}

// Broker is Kafka with the embedded Schema Registry over it, closed when
// the test ends too.
func Broker(t testing.TB, dir string) (*kafka.Client, *registry.Registry) {
	t.Helper()
	_, cl := Kafka(t, dir)
	reg, err := registry.New(context.Background(), registry.Config{Cluster: cl})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reg.Close() })
	return cl, reg
}
