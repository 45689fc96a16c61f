package main

import (
	"io"
	"testing"
)

// TestBrokerConfigFlag: --broker-config takes Kafka's property names for
// the embedded broker's topic auto-creation.
func TestBrokerConfigFlag(t *testing.T) {
	f, err := parseShellFlags(nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if f.broker.disableAutoCreateTopics || f.broker.numPartitions != 0 {
		t.Errorf("defaults: %+v (want auto-creation on, Kafka's default partition count)", f.broker)
	}
	s, err := parseServerFlags([]string{"--broker-config", "auto.create.topics.enable=false", "--broker-config", "num.partitions = 4"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if !s.broker.disableAutoCreateTopics || s.broker.numPartitions != 4 {
		t.Errorf("parsed: %+v", s.broker)
	}
	for _, bad := range []string{"num.partitions=0", "num.partitions=x", "auto.create.topics.enable=maybe", "log.dirs=/tmp", "novalue"} {
		if _, err := parseShellFlags([]string{"--broker-config", bad}, io.Discard); err == nil {
			t.Errorf("--broker-config %s accepted", bad)
		}
	}
}
