package mysqlcdc_test

import (
	"math/big"
	"reflect"
	"testing"
	"time"

	"github.com/eddysql/eddy/connect"
)

const typesTable = `CREATE TABLE demo.cdc_types (
	id INT PRIMARY KEY,
	ti TINYINT, tiu TINYINT UNSIGNED, b1 BOOLEAN,
	si SMALLINT, siu SMALLINT UNSIGNED, mi MEDIUMINT, miu MEDIUMINT UNSIGNED,
	i INT, iu INT UNSIGNED, bi BIGINT, biu BIGINT UNSIGNED,
	f FLOAT, d DOUBLE, dec1 DECIMAL(10,2),
	ch CHAR(3), vc VARCHAR(10), tx TEXT,
	bn BINARY(4), vb VARBINARY(8), bl BLOB,
	e ENUM('small','medium','large'), st SET('a','b','c'), js JSON,
	bt1 BIT(1), bt BIT(10),
	yr YEAR, dt DATE, tm TIME, tm6 TIME(6), dtm DATETIME, dtm6 DATETIME(6),
	ts TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, ts3 TIMESTAMP(3) NULL,
	nul VARCHAR(5) NULL
)`

const typesRow = `(%d, -5, 250, TRUE, -300, 65000, -8000000, 16000000,
	-2000000000, 4000000000, -9000000000000000000, 18000000000000000000,
	1.5, 2.25, 1234.56, 'abc', 'héllo', 'long text',
	0x0102, 0x00ff, 'blob', 'medium', 'a,c', '{"k": [1, 2]}',
	b'1', b'1000000011',
	2024, '2024-02-29', '-12:34:56', '838:59:59.000001', '2018-06-20 06:37:03', '2018-06-20 06:37:03.123456',
	'2018-06-20 13:37:03', '2018-06-20 13:37:03.120', NULL)`

// typeCase is one column's expected schema and value.
type typeCase struct {
	typ    connect.Type
	name   string // schema name
	params map[string]string
	value  any
}

func debeziumDefaults() map[string]typeCase {
	micro := func(h, m, s, us int64) int64 { return ((h*60+m)*60+s)*1_000_000 + us }
	return map[string]typeCase{
		"ti":   {connect.Int16, "", nil, int16(-5)},
		"tiu":  {connect.Int16, "", nil, int16(250)},
		"b1":   {connect.Int16, "", nil, int16(1)},
		"si":   {connect.Int16, "", nil, int16(-300)},
		"siu":  {connect.Int32, "", nil, int32(65000)},
		"mi":   {connect.Int32, "", nil, int32(-8000000)},
		"miu":  {connect.Int32, "", nil, int32(16000000)},
		"i":    {connect.Int32, "", nil, int32(-2000000000)},
		"iu":   {connect.Int64, "", nil, int64(4000000000)},
		"bi":   {connect.Int64, "", nil, int64(-9000000000000000000)},
		"biu":  {connect.Int64, "", nil, int64(-446744073709551616)}, // long mode wraps, as in Debezium
		"f":    {connect.Float32, "", nil, float32(1.5)},
		"d":    {connect.Float64, "", nil, 2.25},
		"dec1": {connect.Bytes, connect.LogicalDecimal, map[string]string{"scale": "2", "connect.decimal.precision": "10"}, big.NewRat(123456, 100)},
		"ch":   {connect.String, "", nil, "abc"},
		"vc":   {connect.String, "", nil, "héllo"},
		"tx":   {connect.String, "", nil, "long text"},
		"bn":   {connect.Bytes, "", nil, []byte{1, 2, 0, 0}},
		"vb":   {connect.Bytes, "", nil, []byte{0, 255}},
		"bl":   {connect.Bytes, "", nil, []byte("blob")},
		"e":    {connect.String, "io.debezium.data.Enum", map[string]string{"allowed": "small,medium,large"}, "medium"},
		"st":   {connect.String, "io.debezium.data.EnumSet", map[string]string{"allowed": "a,b,c"}, "a,c"},
		"js":   {connect.String, "io.debezium.data.Json", nil, `{"k": [1, 2]}`},
		"bt1":  {connect.Boolean, "", nil, true},
		"bt":   {connect.Bytes, "io.debezium.data.Bits", map[string]string{"length": "10"}, []byte{0x03, 0x02}},
		"yr":   {connect.Int32, "io.debezium.time.Year", nil, int32(2024)},
		"dt":   {connect.Int32, "io.debezium.time.Date", nil, int32(time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC).Unix() / 86400)},
		"tm":   {connect.Int64, "io.debezium.time.MicroTime", nil, -micro(12, 34, 56, 0)},
		"tm6":  {connect.Int64, "io.debezium.time.MicroTime", nil, micro(838, 59, 59, 1)},
		"dtm":  {connect.Int64, "io.debezium.time.Timestamp", nil, int64(1529476623000)},
		"dtm6": {connect.Int64, "io.debezium.time.MicroTimestamp", nil, int64(1529476623123456)},
		"ts":   {connect.String, "io.debezium.time.ZonedTimestamp", nil, "2018-06-20T13:37:03Z"},
		"ts3":  {connect.String, "io.debezium.time.ZonedTimestamp", nil, "2018-06-20T13:37:03.12Z"},
		"nul":  {connect.String, "", nil, nil},
	}
}

func TestTypeMappingDefaults(t *testing.T) {
	checkTypes(t, "types1", nil, debeziumDefaults())
}

func TestTypeMappingModes(t *testing.T) {
	want := debeziumDefaults()
	want["dec1"] = typeCase{connect.Float64, "", nil, 1234.56}
	want["biu"] = typeCase{connect.Bytes, connect.LogicalDecimal, map[string]string{"scale": "0", "connect.decimal.precision": "20"}, new(big.Rat).SetInt(bigInt("18000000000000000000"))}
	want["dt"] = typeCase{connect.Int32, connect.LogicalDate, nil, time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)}
	want["tm"] = typeCase{connect.Int32, connect.LogicalTime, nil, time.UnixMicro(-(12*3600 + 34*60 + 56) * 1_000_000).UTC()}
	want["tm6"] = typeCase{connect.Int32, connect.LogicalTime, nil, time.UnixMicro((838*3600+59*60+59)*1_000_000 + 1).UTC()}
	want["dtm"] = typeCase{connect.Int64, connect.LogicalTimestamp, nil, time.Date(2018, 6, 20, 6, 37, 3, 0, time.UTC)}
	want["dtm6"] = typeCase{connect.Int64, connect.LogicalTimestamp, nil, time.Date(2018, 6, 20, 6, 37, 3, 123456000, time.UTC)}
	want["bn"] = typeCase{connect.String, "", nil, "01020000"}
	want["vb"] = typeCase{connect.String, "", nil, "00ff"}
	want["bl"] = typeCase{connect.String, "", nil, "626c6f62"}
	checkTypes(t, "types2", []string{
		"decimal.handling.mode", "double", "bigint.unsigned.handling.mode", "precise",
		"time.precision.mode", "connect", "binary.handling.mode", "hex",
	}, want)

	want = debeziumDefaults()
	want["dec1"] = typeCase{connect.String, "", nil, "1234.56"}
	want["tm"] = typeCase{connect.Int32, "io.debezium.time.Time", nil, int32(-(12*3600 + 34*60 + 56) * 1000)}
	checkTypes(t, "types3", []string{"decimal.handling.mode", "string", "time.precision.mode", "adaptive"}, want)
}

func bigInt(s string) *big.Int { n, _ := new(big.Int).SetString(s, 10); return n }

// checkTypes reads one row by snapshot and an identical one from the
// binlog and checks every column's schema and value in both.
func checkTypes(t *testing.T, prefix string, opts []string, want map[string]typeCase) {
	srv := mariaDB(t)
	srv.exec(t, "DROP TABLE IF EXISTS demo.cdc_types", typesTable, "INSERT INTO demo.cdc_types VALUES "+sprintf(typesRow, 1))
	r := start(t, srv.config(prefix, append([]string{"table.include.list", "demo.cdc_types"}, opts...)...), newOffsetStore())
	snap := r.collect(1, 30*time.Second)
	srv.exec(t, "INSERT INTO demo.cdc_types VALUES "+sprintf(typesRow, 2))
	stream := r.collect(1, 30*time.Second)
	for _, rec := range []connect.Record{snap[0], stream[0]} {
		how := "snapshot"
		if op(rec) == "c" {
			how = "binlog"
		}
		schema := rec.ValueSchema.Field("after")
		after := field(rec, "after").(*connect.Struct)
		for col, w := range want {
			s := schema.Field(col)
			if s == nil {
				t.Errorf("%s: no field %s", how, col)
				continue
			}
			if s.Type != w.typ || s.Name != w.name || (w.params != nil && !reflect.DeepEqual(s.Parameters, w.params)) {
				t.Errorf("%s: %s schema %s %q %v, want %s %q %v", how, col, s.Type, s.Name, s.Parameters, w.typ, w.name, w.params)
			}
			got := after.Get(col)
			if !sameValue(got, w.value) {
				t.Errorf("%s: %s = %#v (%T), want %#v (%T)", how, col, got, got, w.value, w.value)
			}
		}
	}
}

func sameValue(a, b any) bool {
	if ra, ok := a.(*big.Rat); ok {
		rb, ok := b.(*big.Rat)
		return ok && ra.Cmp(rb) == 0
	}
	if ta, ok := a.(time.Time); ok {
		tb, ok := b.(time.Time)
		return ok && ta.Equal(tb)
	}
	return reflect.DeepEqual(a, b)
}
