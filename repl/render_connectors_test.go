package repl

import (
	"encoding/json"
	"testing"

	"github.com/eddysql/eddy/api"
)

func TestRenderConnectors(t *testing.T) {
	check(t, "CREATE", renderOne(&api.CreateConnectorEntity{Info: api.ConnectorInfo{Name: "GEN"}}, 0, nil), "\n Created connector GEN\n")
	check(t, "DROP", renderOne(&api.DropConnectorEntity{ConnectorName: "GEN"}, 0, nil), "\n Dropped connector \"GEN\"\n")
	check(t, "SHOW CONNECTORS", renderOne(&api.ConnectorList{Connectors: []api.SimpleConnectorInfo{
		{Name: "GEN", Type: "SOURCE", ClassName: "io.confluent.kafka.connect.datagen.DatagenConnector", State: "RUNNING (1/1 tasks RUNNING)"},
	}}, 0, nil), `
 Connector Name | Type   | Class                                               | Status                      
-------------------------------------------------------------------------------------------------------------
 GEN            | SOURCE | io.confluent.kafka.connect.datagen.DatagenConnector | RUNNING (1/1 tasks RUNNING) 
-------------------------------------------------------------------------------------------------------------
`)
	check(t, "SHOW CONNECTOR PLUGINS", renderOne(&api.ConnectorPluginsList{Plugins: []api.ConnectorPluginInfo{
		{ClassName: "io.confluent.kafka.connect.datagen.DatagenConnector", Type: "source", Version: "eddy"},
	}}, 0, nil), `
 Class                                               | Type   | Version 
------------------------------------------------------------------------
 io.confluent.kafka.connect.datagen.DatagenConnector | SOURCE | eddy    
------------------------------------------------------------------------
`)
	d := &api.ConnectorDescription{ConnectorClass: "org.apache.kafka.connect.file.FileStreamSinkConnector",
		Status: api.ConnectorState{Name: "SINK", Type: "sink", Connector: api.ConnectorStateDetail{State: "RUNNING", WorkerID: "127.0.0.1:8088"},
			Tasks: []api.TaskState{{ID: 0, State: "RUNNING", Trace: "retrying in 1s: flush: connection refused", ErrorTime: "2026-01-02T03:04:05Z"}}},
		Topics: []string{"pageviews"},
		Lag:    []api.ConnectorLag{{Topic: "pageviews", Partition: 0, Committed: 40, End: 50, Lag: 10}}}
	check(t, "DESCRIBE CONNECTOR", renderOne(d, 0, nil), `
Name                 : SINK
Class                : org.apache.kafka.connect.file.FileStreamSinkConnector
Type                 : sink
State                : RUNNING
WorkerId             : 127.0.0.1:8088

 Task ID | State   | Error Trace                                                    
------------------------------------------------------------------------------------
 0       | RUNNING | 2026-01-02T03:04:05Z retrying in 1s: flush: connection refused 
------------------------------------------------------------------------------------

 Related Topics 
----------------
 pageviews      
----------------

 Topic     | Partition | Committed | End | Lag 
-----------------------------------------------
 pageviews | 0         | 40        | 50  | 10  
-----------------------------------------------
Consumer lag         : 10
`)
	// The remote shell decodes each entity by its @type.
	for _, e := range []api.Entity{d, &api.ConnectorList{Type: "connector_list"}, &api.CreateConnectorEntity{Type: "connector_info"}, &api.DropConnectorEntity{Type: "drop_connector"}} {
		if dd, ok := e.(*api.ConnectorDescription); ok {
			dd.Type = "connector_description"
		}
		b, _ := json.Marshal(e)
		got, err := decodeEntity(b)
		if err != nil {
			t.Fatal(err)
		}
		if got.EntityType() != e.EntityType() {
			t.Errorf("decoded %s as %s", e.EntityType(), got.EntityType())
		}
	}
}
