package repl

import (
	"testing"

	"github.com/eddysql/eddy/api"
)

// TestRenderAssert: the shell decodes /ksql's assert_topic and
// assert_schema entities and prints them as ksqlDB's CLI does (which says
// "subject" where the server's error says "subject name").
func TestRenderAssert(t *testing.T) {
	for raw, want := range map[string]string{
		`{"@type":"assert_topic","statementText":"ASSERT TOPIC t","topicName":"t","exists":true,"warnings":[]}`:              "\nTopic t exists.\n",
		`{"@type":"assert_topic","statementText":"ASSERT NOT EXISTS TOPIC t","topicName":"t","exists":false,"warnings":[]}`:  "\nTopic t does not exist.\n",
		`{"@type":"assert_schema","statementText":"s","subject":"abc","id":55,"exists":true,"warnings":[]}`:                  "\nSchema with subject abc id 55 exists.\n",
		`{"@type":"assert_schema","statementText":"s","subject":null,"id":55,"exists":false,"warnings":[]}`:                  "\nSchema with id 55 does not exist.\n",
		`{"@type":"assert_schema","statementText":"s","subject":"abc","id":null,"exists":true,"warnings":[{"message":"w"}]}`: "\nSchema with subject abc exists.\nWARNING: w\n",
	} {
		e, err := decodeEntity([]byte(raw))
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := e.(*api.Message); ok {
			t.Fatalf("%s decoded as an unknown entity", raw)
		}
		check(t, raw, renderOne(e, 0, nil), want)
	}
}
