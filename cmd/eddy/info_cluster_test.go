package main

import (
	"encoding/json"
	"net/http"
	"testing"
)

// TestInfoReportsTheClusterID: a server on --bootstrap-servers reports
// the Kafka cluster's id as /info's kafkaClusterId, as ksqlDB does, so
// every server of a service reports the same one. It was empty there,
// while the server holding the embedded broker said "eddy".
func TestInfoReportsTheClusterID(t *testing.T) {
	ks := newBareKafkaServers(t, "info_") // eddy's broker says "eddy", as a server holding it does
	s := ks.add("a")
	resp, err := http.Get("http://" + s.listen + "/info")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var info struct {
		Info struct {
			KafkaClusterID string `json:"kafkaClusterId"`
		} `json:"KsqlServerInfo"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&info); err != nil {
		t.Fatal(err)
	}
	if got := info.Info.KafkaClusterID; got != "kfake" { // kfake's default cluster id
		t.Fatalf("kafkaClusterId %q, want the cluster's, kfake", got)
	}
}
