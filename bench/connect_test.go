package bench

import (
	"context"
	"testing"
	"time"

	"github.com/eddysql/eddy/connect"
	"github.com/eddysql/eddy/connect/convert"
	"github.com/eddysql/eddy/connect/datagen"
	"github.com/eddysql/eddy/connect/transform"
	"github.com/eddysql/eddy/registry"
)

// BenchmarkDatagenConnector measures records/s out of the data generator
// connector into a topic on the embedded broker: generation, the
// converters (JSON and Avro through the embedded registry), produce and
// the offsets topic, as a user's CREATE SOURCE CONNECTOR runs them.
func BenchmarkDatagenConnector(b *testing.B) {
	n, err := RecordsFromEnv(DefaultRecords)
	if err != nil {
		b.Fatal(err)
	}
	for _, conv := range []string{"json", "avro"} {
		b.Run(conv, func(b *testing.B) {
			ctx := context.Background()
			cl := embeddedBroker(ctx, b)
			reg, err := registry.New(ctx, registry.Config{Cluster: cl})
			if err != nil {
				b.Fatal(err)
			}
			defer reg.Close()
			plugins := connect.NewRegistry()
			convert.Register(plugins)
			transform.Register(plugins)
			datagen.Register(plugins)
			rt, err := connect.NewRuntime(connect.RuntimeOptions{Cluster: cl, Plugins: plugins, ServiceID: "bench_", SchemaRegistry: reg.Client()})
			if err != nil {
				b.Fatal(err)
			}
			defer rt.Close()
			var total time.Duration
			for i := range b.N {
				name := "gen" + itoa(i)
				cfg := map[string]string{"connector.class": "datagen", "kafka.topic": "ratings_" + conv + itoa(i), "quickstart": "ratings",
					"max.interval": "0", "iterations": itoa(n), "random.seed": "1", "value.converter": conv}
				if conv == "json" {
					cfg["value.converter.schemas.enable"] = "false"
				}
				p, c, err := rt.Validate(ctx, name, connect.Source, cfg, true)
				if err != nil {
					b.Fatal(err)
				}
				start := time.Now()
				if err := rt.Start(name, p, c, false); err != nil {
					b.Fatal(err)
				}
				for {
					ends, err := cl.EndOffsets(ctx, cfg["kafka.topic"])
					if err == nil && ends[0] >= int64(n) {
						break
					}
					time.Sleep(5 * time.Millisecond)
				}
				total += time.Since(start)
				rt.Stop(name)
			}
			b.ReportMetric(float64(n*b.N)/total.Seconds(), "records/s")
		})
	}
}

func itoa(i int) string {
	const digits = "0123456789"
	if i == 0 {
		return "0"
	}
	var out []byte
	for ; i > 0; i /= 10 {
		out = append([]byte{digits[i%10]}, out...)
	}
	return string(out)
}
