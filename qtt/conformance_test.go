package qtt

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// minimumPassRates are the conformance floors per corpus file: the
// fraction of variants that passed when the floors were last raised. A change that makes the engine
// less compatible fails here; raise a floor when a file improves.
var minimumPassRates = map[string]float64{
	// Every corpus file, at its pass rate when the floor was last raised.
	"array-min-max-sort": 1.0, "array-remove": 1.0, "array-set-functions": 1.0, "array": 1.0,
	"arraycontains": 1.0, "arrayindex": 1.0, "arrayjoin": 1.0, "asserts": 1.0, "attr": 1.0,
	"average-udaf": 1.0, "avro": 1.0, "between": 1.0, "binary-arithmetic": 1.0,
	"binary-comparison": 1.0, "bytes": 1.0, "case-expression": 1.0, "chr": 1.0,
	"collect-set": 1.0, "comparison-expression": 1.0, "complex-lambda": 1.0,
	"convert-tz": 1.0, "correlation-udaf": 1.0, "count-distinct": 1.0, "create-struct": 1.0,
	"create-type": 1.0, "create_array": 1.0, "cube": 1.0, "date": 1.0, "dateadd": 1.0,
	"datesub": 1.0, "decimal": 1.0, "drop_source": 1.0, "earliest-offset-udaf": 1.0,
	"elements": 1.0, "elt-field": 1.0, "encode": 1.0, "extract-json-field": 1.0,
	"floating-point": 1.0, "formats": 1.0, "from-days": 1.0, "from-unixtime": 1.0,
	"generic-variadic-udaf": 1.0, "geodistance": 1.0, "greatest": 1.0, "group-by": 1.0,
	"having": 1.0, "histogram": 1.0, "identifiers": 1.0, "in": 1.0, "initcap": 1.0,
	"insert-into": 1.0, "instr": 1.0, "joins": 1.0, "json_array_contains": 1.0,
	"json_array_length": 1.0, "json_concat": 1.0, "json_items": 1.0, "json_keys": 1.0,
	"kafka": 1.0, "key-schemas": 1.0, "latest-offset-udaf": 1.0, "len": 1.0, "like": 1.0,
	"literals": 1.0, "map": 1.0, "math": 1.0, "max-group-by": 1.0, "md5": 1.0,
	"min-group-by": 1.0, "more-complex-struct": 1.0, "multi-arg-udaf": 1.0,
	"multi-col-keys": 1.0, "multi-joins": 1.0, "multiple-avro-maps": 1.0, "null": 1.0,
	"obj-var-col-arg-udaf": 1.0, "operators": 1.0, "partition-by": 1.0, "project-filter": 1.0,
	"protobuf": 1.0, "reduce-map": 1.0, "regex": 1.0, "replace": 1.0,
	"select-struct-all": 1.0, "select": 1.0, "serdes": 1.0, "session-windows": 1.0,
	"simple-struct": 1.0, "sink-topic-naming": 1.0, "slice": 1.0, "source-stream": 1.0,
	"source-table": 1.0, "split-to-map": 1.0, "stream-table-join": 1.0,
	"string-lpad-rpad": 1.0, "string": 1.0, "stringtimestamp": 1.0, "substring": 1.0,
	"suppress": 1.0, "system-columns": 1.0, "table": 1.0, "test-custom-udaf": 1.0,
	"time": 1.0, "timeadd": 1.0, "timestamp-extractor": 1.0, "timestampadd": 1.0,
	"timestampformat": 1.0, "timestampsub": 1.0, "to_json_string": 1.0,
	"topk-group-by": 1.0, "transform-array": 1.0, "tumbling-windows": 1.0, "udaf": 1.0,
	"udf-implicit-cast": 1.0, "unix-date": 1.0, "unix-timestamp": 1.0, "url": 1.0,
	"variadic-udaf": 1.0, "windowed-source": 1.0,
}

// minimumRESTPassRates are the floors of REST (RQTT) corpus files, run
// against the server's handlers.
var minimumRESTPassRates = map[string]float64{
	"push-queries": 0.98, "insert-values": 1.0, "scalable-push-queries": 0.96,
	// Pull queries.
	"pull-queries-against-ctas-materialized": 1.0, "pull-queries-against-cst-materialized": 1,
	"pull-queries-against-streams": 1, "pull-queries-with-headers": 1, "pull-queries-with-limit-clause": 1.0,
	"pull-queries-with-predicates": 1, "pull-queries-with-range-scan": 1, "pull-queries-with-struct-star": 1,
	"pull-queries-protobuf": 1,
}

// restCorpusDir is the REST corpus beside the QTT one.
var restCorpusDir = filepath.Join(filepath.Dir(corpusDir), restDirName)

// TestConformanceFloors runs the corpus files above and checks each one's
// pass rate against its floor, so conformance only moves forward.
func TestConformanceFloors(t *testing.T) {
	requireCorpus(t)
	if testing.Short() {
		t.Skip("short mode")
	}
	var files []string
	floors := map[string]float64{}
	for f, floor := range minimumPassRates {
		files = append(files, filepath.Join(corpusDir, f+".json"))
		floors[f] = floor
	}
	for f, floor := range minimumRESTPassRates {
		files = append(files, filepath.Join(restCorpusDir, f+".json"))
		floors[f] = floor
	}
	var out, errOut bytes.Buffer
	Main(append([]string{"--format", "json", "--timeout", "30s"}, files...), &out, &errOut)
	passed, total := map[string]int{}, map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var r struct{ File, Status string }
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("bad result line %q: %v", line, err)
		}
		stem := strings.TrimSuffix(filepath.Base(r.File), ".json")
		if r.Status == "skip" {
			continue
		}
		total[stem]++
		if r.Status == "pass" {
			passed[stem]++
		}
	}
	for stem, floor := range floors {
		if total[stem] == 0 {
			t.Errorf("%s: no results", stem)
			continue
		}
		rate := float64(passed[stem]) / float64(total[stem])
		if rate+1e-9 < floor {
			t.Errorf("%s: %d/%d pass (%.0f%%), below the floor of %.0f%%", stem, passed[stem], total[stem], 100*rate, 100*floor)
		}
	}
}
