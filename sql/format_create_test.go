package sql

import "testing"

// TestFormatCreateSource: a CREATE rewritten as ksqlDB's SqlFormatter
// writes it (names quoted only when needed, properties sorted) reads back
// as the same statement.
func TestFormatCreateSource(t *testing.T) {
	const in = "CREATE OR REPLACE TABLE IF NOT EXISTS `t-1` (`h` ARRAY<STRUCT<`KEY` STRING, `VALUE` BYTES>> HEADERS, " +
		"k STRUCT<`a b` INT, `Select` MAP<STRING, DECIMAL(4, 2)>> PRIMARY KEY, hk BYTES HEADER('it''s'), `v` ARRAY<TIMESTAMP>) " +
		"WITH (value_format='AVRO', kafka_topic='t', partitions=2, wrap_single_value=false)"
	const want = "CREATE OR REPLACE TABLE IF NOT EXISTS `t-1` (`h` ARRAY<STRUCT<KEY STRING, VALUE BYTES>> HEADERS, " +
		"K STRUCT<`a b` INTEGER, `Select` MAP<STRING, DECIMAL(4, 2)>> PRIMARY KEY, HK BYTES HEADER('it''s'), `v` ARRAY<TIMESTAMP>) " +
		"WITH (KAFKA_TOPIC='t', PARTITIONS=2, VALUE_FORMAT='AVRO', WRAP_SINGLE_VALUE=false)"
	stmts, err := Parse(in)
	if err != nil {
		t.Fatal(err)
	}
	got := FormatCreateSource(stmts[0].(*CreateSource))
	if got != want {
		t.Fatalf("formatted\n%s\nwant\n%s", got, want)
	}
	back, err := Parse(got)
	if err != nil {
		t.Fatal(err)
	}
	if again := FormatCreateSource(back[0].(*CreateSource)); again != got {
		t.Errorf("formatted again\n%s\nwant\n%s", again, got)
	}
}
