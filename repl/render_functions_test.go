package repl

import (
	"testing"

	"github.com/eddysql/eddy/api"
)

func TestRenderFunctions(t *testing.T) {
	got := renderOne(&api.FunctionNameList{Functions: []api.FunctionName{
		{Name: "SUBSTRING", Type: "SCALAR", Category: "STRING"},
		{Name: "COUNT", Type: "AGGREGATE", Category: "AGGREGATE"},
	}}, 0, nil)
	check(t, "SHOW FUNCTIONS", got, `
 Function Name | Type      | Category  
---------------------------------------
 COUNT         | AGGREGATE | AGGREGATE 
 SUBSTRING     | SCALAR    | STRING    
---------------------------------------
For detailed information on a function run: DESCRIBE FUNCTION <Function Name>;
`)
	got = renderOne(&api.FunctionNameList{Functions: []api.FunctionName{{Name: "ABS", Type: "SCALAR"}, {Name: "MAX", Type: "AGGREGATE"}}}, 0, nil)
	check(t, "SHOW FUNCTIONS without categories", got, `
 Function Name | Type      
---------------------------
 ABS           | SCALAR    
 MAX           | AGGREGATE 
---------------------------
For detailed information on a function run: DESCRIBE FUNCTION <Function Name>;
`)

	got = renderOne(&api.FunctionDescription{
		Name: "SUBSTRING", Author: "eddy", Path: "internal", FunctionType: "SCALAR", Description: "Part of a string.",
		Functions: []api.FunctionVariation{
			{Arguments: []api.FunctionArgument{{Name: "str", Type: "STRING", Description: "The source."}, {Name: "pos", Type: "INTEGER"}}, ReturnType: "STRING", Description: "From pos to the end."},
			{Arguments: []api.FunctionArgument{{Name: "vals", Type: "STRING", IsVariadic: true}}, ReturnType: "STRING"},
		},
	}, 0, nil)
	check(t, "DESCRIBE FUNCTION", got, `
Name        : SUBSTRING
Author      : eddy
Overview    : Part of a string.
Type        : SCALAR
Jar         : internal
Variations  :

	Variation   : SUBSTRING(str STRING, pos INTEGER)
	Returns     : STRING
	Description : From pos to the end.
	str         : The source.

	Variation   : SUBSTRING(vals STRING[])
	Returns     : STRING
`)
}

func TestRenderTopicsExtendedAndTypes(t *testing.T) {
	got := renderOne(&api.TopicsListExtended{Topics: []api.TopicInfoExtended{
		{Name: "pageviews", ReplicaInfo: []int{1, 1}, ConsumerCount: 2, ConsumerGroupCount: 1},
		{Name: "users", ReplicaInfo: []int{3}},
	}}, 0, nil)
	check(t, "SHOW TOPICS EXTENDED", got, `
 Kafka Topic | Partitions | Partition Replicas | Consumers | ConsumerGroups 
----------------------------------------------------------------------------
 pageviews   | 2          | 1                  | 2         | 1              
 users       | 1          | 3                  | 0         | 0              
----------------------------------------------------------------------------
`)
	str := api.SchemaInfo{Type: "STRING"}
	got = renderOne(&api.TypeList{Types: map[string]api.SchemaInfo{
		"PRICE": {Type: "DECIMAL", Parameters: map[string]any{"precision": 10, "scale": 2}},
		"ADDR":  {Type: "STRUCT", Fields: []api.FieldInfo{{Name: "STREET", Schema: str}, {Name: "ZIP", Schema: api.SchemaInfo{Type: "INTEGER"}}}},
		"TAGS":  {Type: "ARRAY", MemberSchema: &str},
	}}, 0, nil)
	check(t, "SHOW TYPES", got, `
 Type Name | Schema                                      
---------------------------------------------------------
 ADDR      | STRUCT<STREET VARCHAR(STRING), ZIP INTEGER> 
 PRICE     | DECIMAL(10, 2)                              
 TAGS      | ARRAY<VARCHAR(STRING)>                      
---------------------------------------------------------
`)
}

func TestRenderExplain(t *testing.T) {
	got := renderOne(&api.QueryDescriptionEntity{QueryDescription: api.QueryDescription{
		ID: "CSAS_OUT_1", QueryType: "PERSISTENT", StatementText: "CREATE STREAM OUT AS SELECT * FROM S;", State: "ERROR",
		Fields:        []api.FieldInfo{{Name: "K", Schema: api.SchemaInfo{Type: "STRING"}, Type: "KEY"}, {Name: "V", Schema: api.SchemaInfo{Type: "BIGINT"}}},
		Sources:       []string{"S"},
		Sinks:         []string{"OUT"},
		ExecutionPlan: " > [ SINK ] | Name: OUT\n\t\t > [ STREAM SOURCE ] | Name: S",
		Topology:      "Topologies:\n   Sub-topology: 0\n    Source: s (stream)\n      --> SINK (topic: OUT)",
		Statistics:    "messages-in: 3, messages-out: 2",
		ErrorStats:    "processing-errors: 1",
		QueryErrors:   []api.QueryError{{Timestamp: 0, ErrorMessage: "boom", Type: "UNKNOWN"}},
	}}, 0, nil)
	check(t, "EXPLAIN", got, `
ID                   : CSAS_OUT_1
Query Type           : PERSISTENT
SQL                  : CREATE STREAM OUT AS SELECT * FROM S;
State                : ERROR

 Field | Type                   
--------------------------------
 K     | VARCHAR(STRING)  (key) 
 V     | BIGINT                 
--------------------------------

Sources that this query reads from: 
-----------------------------------
S

For source description please run: DESCRIBE [EXTENDED] <SourceId>

Sinks that this query writes to: 
--------------------------------
OUT

For sink description please run: DESCRIBE [EXTENDED] <SinkId>

Execution plan
--------------------
 > [ SINK ] | Name: OUT
		 > [ STREAM SOURCE ] | Name: S

Processing topology
--------------------
Topologies:
   Sub-topology: 0
    Source: s (stream)
      --> SINK (topic: OUT)

Local runtime statistics
------------------------
messages-in: 3, messages-out: 2
processing-errors: 1

 Error Date           | Error Details | Error Type 
---------------------------------------------------
 1970-01-01T00:00:00Z | boom          | UNKNOWN    
---------------------------------------------------
`)
}

// The remote shell decodes the new entities into their types, so they
// render as tables rather than as JSON.
func TestDecodeNewEntities(t *testing.T) {
	for _, e := range []api.Entity{
		&api.TopicsListExtended{Type: "kafka_topics_extended", Topics: []api.TopicInfoExtended{{Name: "a", ReplicaInfo: []int{1}, ConsumerCount: 1, ConsumerGroupCount: 1}}},
		&api.FunctionDescription{Type: "describe_function", Name: "ABS", FunctionType: "SCALAR"},
		&api.TypeList{Type: "type_list", Types: map[string]api.SchemaInfo{"T": {Type: "INTEGER"}}},
	} {
		b, err := marshalEntity(e)
		if err != nil {
			t.Fatal(err)
		}
		got, err := decodeEntity(b)
		if err != nil {
			t.Fatal(err)
		}
		if got.EntityType() != e.EntityType() || renderOne(got, 0, nil) != renderOne(e, 0, nil) {
			t.Errorf("%s decoded as %#v", e.EntityType(), got)
		}
	}
}
