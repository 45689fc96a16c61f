package bench

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/eddysql/eddy/kafka"
)

// nexmarkExpressions are common projections over Nexmark's bids, one
// per kind of work (arithmetic in each numeric type, casts, string,
// regular-expression, time and collection functions). Each is non-NULL
// for every bid. BenchmarkNexmarkExpressions prices them per record
// beside the bare column, so that an expression costing many times
// the others (a per-row regex compile, math/big decimals) shows.
var nexmarkExpressions = []struct{ name, expr string }{
	{"column", "BIDDER"},
	{"bigint_arith", "PRICE * 2 + 1"},
	{"double_arith", "CAST(PRICE AS DOUBLE) * 0.908E0"},
	{"decimal_mul", "0.908 * PRICE"},
	{"decimal_div", "PRICE / 100.0"},
	{"decimal_round", "ROUND(0.908 * PRICE, 1)"},
	{"cast_decimal", "CAST(PRICE AS DECIMAL(22,3))"},
	{"cast_double", "CAST(0.908 * PRICE AS DOUBLE)"},
	{"cast_string", "CAST(PRICE AS STRING)"},
	{"case", "CASE WHEN PRICE < 10000 THEN 'low' WHEN PRICE < 1000000 THEN 'mid' ELSE 'high' END"},
	{"ucase", "UCASE(CHANNEL)"},
	{"substring", "SUBSTRING(URL, 9, 10)"},
	{"concat", "CONCAT(CHANNEL, '-', EXTRA)"},
	{"replace", "REPLACE(EXTRA, 'c', '')"},
	{"instr", "INSTR(URL, 'item')"},
	{"split", "SPLIT(URL, '/')[4]"},
	{"regexp_extract", "REGEXP_EXTRACT('/([a-z_]+)/item', URL, 1)"},
	{"like", "URL LIKE '%item%'"},
	{"url_parameter", "URL_EXTRACT_PARAMETER(URL, 'query')"},
	{"format_timestamp", "FORMAT_TIMESTAMP(DATETIME, 'yyyy-MM-dd HH:mm')"},
	{"lpad", "LPAD(CHANNEL, 20, '*')"},
	{"struct", "STRUCT(A := PRICE, B := CHANNEL)"},
	{"array", "ARRAY[PRICE, BIDDER]"},
	{"extract_json", "EXTRACTJSONFIELD(CONCAT('{\"a\":', CAST(PRICE AS STRING), '}'), '$.a')"},
	{"parse_timestamp", "PARSE_TIMESTAMP(FORMAT_TIMESTAMP(DATETIME, 'yyyy-MM-dd HH:mm:ss'), 'yyyy-MM-dd HH:mm:ss')"},
	{"string_compare", "CHANNEL = 'Google' OR CHANNEL IN ('Apple', 'Facebook', 'Baidu')"},
	{"coalesce", "COALESCE(CHANNEL, URL, 'none')"},
	{"cast_timestamp_string", "CAST(DATETIME AS STRING)"},
	{"lcase_trim", "LCASE(TRIM(CHANNEL))"},
	{"split_to_map", "SPLIT_TO_MAP(SUBSTRING(URL, INSTR(URL, '?') + 1), '&', '=')['query']"},
	{"mask", "MASK(CHANNEL)"},
	{"unix_timestamp", "UNIX_TIMESTAMP(DATETIME)"},
	{"timestamp_compare", "DATETIME > '2023-01-01T00:00:00'"},
}

// BenchmarkNexmarkExpressions measures the engine's cost per bid of
// SELECT AUCTION, <expression> AS X FROM BID, as
// BenchmarkNexmarkPerRecord measures its queries (no broker).
func BenchmarkNexmarkExpressions(b *testing.B) {
	d, err := GenerateNexmark(nexmarkFeedEvents)
	if err != nil {
		b.Fatal(err)
	}
	for _, e := range nexmarkExpressions {
		b.Run(e.name, func(b *testing.B) {
			statement := fmt.Sprintf("CREATE STREAM X WITH (KAFKA_TOPIC='OUT') AS SELECT AUCTION, %s AS X FROM BID;", e.expr)
			feedPerRecord(b, d, statement, checkEveryX(len(d.Records[NexmarkBidTopic])))
		})
	}
}

// checkEveryX checks that each of n bids gave a record whose X is not
// NULL: an expression that failed would give NULL and a cheap figure.
func checkEveryX(n int) func([]kafka.Record) error {
	return func(out []kafka.Record) error {
		if len(out) != n {
			return fmt.Errorf("%d records for %d bids", len(out), n)
		}
		for _, r := range out {
			var v map[string]json.RawMessage
			if err := json.Unmarshal(r.Value, &v); err != nil {
				return fmt.Errorf("value %s: %w", r.Value, err)
			}
			if x, ok := v["X"]; !ok || string(x) == "null" {
				return fmt.Errorf("X is NULL in %s", r.Value)
			}
		}
		return nil
	}
}
