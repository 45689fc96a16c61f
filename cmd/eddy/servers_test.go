package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eddysql/eddy/kafka"
	"github.com/twmb/franz-go/pkg/kfake"
)

// kafkaServers is a one-broker Kafka cluster in the test process (eddy's
// embedded broker, as `eddy kafka` runs it: kfake alone never times out
// a server killed while it joins a group, see kafka/reaper.go), a client
// of it, and `eddy server` processes of one service on it, each with its
// own data directory and the given server.properties lines.
type kafkaServers struct {
	t   *testing.T
	bin string
	// addr is the broker's bootstrap address.
	addr  string
	cl    *kafka.Client
	props string
	// serviceID is the servers' --service-id.
	serviceID string
	servers   []*testServer
}

type testServer struct {
	name, listen, dataDir string
	cmd                   *exec.Cmd
	logs                  *lockedBuffer
}

func newKafkaServers(t *testing.T, serviceID string, props ...string) *kafkaServers {
	t.Helper()
	kc, err := kafka.StartEmbedded(kafka.EmbeddedConfig{Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { kc.Close() })
	return newKafkaServersOn(t, kc.Addr(), serviceID, props...)
}

// newBareKafkaServers is newKafkaServers on bare kfake, for a test that
// needs a broker other than eddy's (its cluster id is kfake's).
func newBareKafkaServers(t *testing.T, serviceID string, props ...string) *kafkaServers {
	t.Helper()
	kc, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.AllowAutoTopicCreation())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(kc.Close)
	return newKafkaServersOn(t, kc.ListenAddrs()[0], serviceID, props...)
}

// newKafkaServersOn makes the servers of serviceID on the broker at addr.
func newKafkaServersOn(t *testing.T, addr, serviceID string, props ...string) *kafkaServers {
	t.Helper()
	ks := &kafkaServers{t: t, bin: buildEddy(t), addr: addr}
	var err error
	if ks.cl, err = kafka.Dial(context.Background(), kafka.Config{Brokers: []string{addr}}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ks.cl.Close() })
	ks.props = filepath.Join(t.TempDir(), "server.properties")
	if err := os.WriteFile(ks.props, []byte(strings.Join(props, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, s := range ks.servers {
			if s.cmd != nil && s.cmd.ProcessState == nil {
				s.cmd.Process.Kill()
				s.cmd.Wait()
			}
			if t.Failed() {
				t.Logf("server %s log:\n%s", s.name, tail(s.logs.String(), 6000))
			}
		}
	})
	ks.serviceID = serviceID
	return ks
}

// add makes a server and starts it.
func (ks *kafkaServers) add(name string) *testServer {
	s := &testServer{name: name, listen: freeAddr(ks.t), dataDir: ks.t.TempDir(), logs: &lockedBuffer{}}
	ks.servers = append(ks.servers, s)
	ks.start(s)
	return s
}

// start runs s (again, on its data directory) and waits for its API.
func (ks *kafkaServers) start(s *testServer) {
	ks.t.Helper()
	s.cmd = exec.Command(ks.bin, "server", "--bootstrap-servers", ks.addr, "--listen", s.listen,
		"--data-dir", s.dataDir, "--service-id", ks.serviceID, "--config-file", ks.props)
	s.cmd.Stdout, s.cmd.Stderr = s.logs, s.logs
	if err := s.cmd.Start(); err != nil {
		ks.t.Fatal(err)
	}
	waitHTTP(ks.t, s.listen)
}

// activePartitions counts, by server address, the partitions of topic
// the servers run tasks of, as /clusterStatus on s lists them.
func activePartitions(t *testing.T, s *testServer, topic string) map[string]int {
	owned := map[string]int{}
	for host, hs := range clusterStatus(t, s.listen).ClusterStatus {
		for _, as := range hs.ActiveStandbyPerQuery {
			for _, tp := range as.ActivePartitions {
				if tp.Topic == topic && hs.HostAlive {
					owned[host]++
				}
			}
		}
	}
	return owned
}
