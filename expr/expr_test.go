package expr

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/eddysql/eddy/sql"
	"github.com/eddysql/eddy/types"
	"github.com/shopspring/decimal"
)

// testResolver resolves columns against a fixed schema.
type testResolver struct{ cols []types.Column }

func (r testResolver) Column(ref *sql.ColumnRef) (int, *types.Type, error) {
	for i, c := range r.cols {
		if c.Name == ref.Name {
			return i, c.Type, nil
		}
	}
	return 0, nil, fmt.Errorf("SELECT column '%s' cannot be resolved.", ref.Name)
}

func col(name string, t *types.Type) types.Column { return types.Column{Name: name, Type: t} }

// testSchema is shared by the table tests; testRow holds its values.
var testSchema = testResolver{cols: []types.Column{
	col("I", types.IntType),                                // 0
	col("B", types.BigintType),                             // 1
	col("D", types.DoubleType),                             // 2
	col("DEC", types.DecimalOf(4, 2)),                      // 3
	col("S", types.StringType),                             // 4
	col("BO", types.BooleanType),                           // 5
	col("NI", types.IntType),                               // 6 (null)
	col("NS", types.StringType),                            // 7 (null)
	col("ARR", types.ArrayOf(types.IntType)),               // 8
	col("M", types.MapOf(types.StringType, types.IntType)), // 9
	col("ST", types.StructOf(types.Field{Name: "A", Type: types.IntType}, types.Field{Name: "B", Type: types.StringType})), // 10
	col("TS", types.TimestampType),                           // 11
	col("DT", types.DateType),                                // 12
	col("TM", types.TimeType),                                // 13
	col("DEC2", types.DecimalOf(5, 3)),                       // 14
	col("IMAX", types.IntType),                               // 15
	col("BYT", types.BytesType),                              // 16
	col("ND", types.DoubleType),                              // 17 (null)
	col("NARR", types.ArrayOf(types.ArrayOf(types.IntType))), // 18
}}

func testRow() []any {
	m := types.NewMap(2)
	m.Put("a", int32(1))
	m.Put("b", int32(2))
	return []any{
		int32(7), int64(100), 2.5, decimal.RequireFromString("10.01"), "hello", true, nil, nil,
		[]any{int32(1), int32(2), int32(3)}, m, types.StructVal{int32(5), "x"},
		types.TimestampVal(1526075913000), types.DateVal(19157), types.TimeVal(33360000),
		decimal.RequireFromString("1.250"), int32(math.MaxInt32), []byte("abc"), nil,
		[]any{[]any{int32(0), int32(1)}, []any{int32(2)}},
	}
}

func mustParse(t testing.TB, text string) sql.Expr {
	t.Helper()
	e, err := sql.ParseExpr(text)
	if err != nil {
		t.Fatalf("parse %q: %v", text, err)
	}
	return e
}

func eval(t testing.TB, text string) (any, *types.Type, []error) {
	t.Helper()
	c, err := Compile(mustParse(t, text), testSchema, NewRegistry())
	if err != nil {
		t.Fatalf("compile %q: %v", text, err)
	}
	var errs []error
	ctx := &Context{OnError: func(e error) { errs = append(errs, e) }}
	return c.Eval(ctx, testRow()), c.Type, errs
}

// render prints a value with its Go type, so tests check both.
func render(v any) string {
	switch v := v.(type) {
	case nil:
		return "<nil>"
	case decimal.Decimal:
		return "dec:" + v.String() + "@" + fmt.Sprint(-v.Exponent())
	case float64:
		return "f64:" + types.FormatDouble(v)
	case []any:
		parts := make([]string, len(v))
		for i, e := range v {
			parts[i] = render(e)
		}
		return "[" + strings.Join(parts, " ") + "]"
	case *types.MapVal:
		parts := make([]string, v.Len())
		for i := range v.Len() {
			parts[i] = render(v.Keys[i]) + "=" + render(v.Vals[i])
		}
		return "map{" + strings.Join(parts, " ") + "}"
	case types.StructVal:
		parts := make([]string, len(v))
		for i, e := range v {
			parts[i] = render(e)
		}
		return "struct{" + strings.Join(parts, " ") + "}"
	case []byte:
		return "bytes:" + string(v)
	}
	return fmt.Sprintf("%T:%v", v, v)
}

func TestEval(t *testing.T) {
	tests := []struct {
		expr, want, typ string
	}{
		// literals
		{"1", "int32:1", "INTEGER"},
		{"3000000000", "int64:3000000000", "BIGINT"},
		{"2.345", "dec:2.345@3", "DECIMAL(4, 3)"},
		{"0.05", "dec:0.05@2", "DECIMAL(2, 2)"},
		{"1.5E3", "f64:1500.0", "DOUBLE"},
		{"'it''s'", "string:it's", "STRING"},
		{"-2147483647", "int32:-2147483647", "INTEGER"},
		// arithmetic
		{"I + B", "int64:107", "BIGINT"},
		{"I / 2", "int32:3", "INTEGER"},
		{"-7 / 2", "int32:-3", "INTEGER"},
		{"-7 % 3", "int32:-1", "INTEGER"},
		{"I / 0", "<nil>", "INTEGER"},
		{"IMAX + 1", "int32:-2147483648", "INTEGER"},
		{"D + 10", "f64:12.5", "DOUBLE"},
		{"D / 0", "f64:Infinity", "DOUBLE"},
		{"2 * 3 + 4", "int32:10", "INTEGER"},
		{"DEC + DEC", "dec:20.02@2", "DECIMAL(5, 2)"},
		{"DEC + I", "dec:17.01@2", "DECIMAL(13, 2)"},
		{"DEC * DEC", "dec:100.2001@4", "DECIMAL(9, 4)"},
		{"DEC / DEC", "dec:1@7", "DECIMAL(11, 7)"},
		{"DEC % 3.00", "dec:1.01@2", "DECIMAL(3, 2)"},
		{"DEC / 0.0", "<nil>", "DECIMAL(9, 6)"},
		{"DEC + D", "f64:12.51", "DOUBLE"},
		{"-DEC", "dec:-10.01@2", "DECIMAL(4, 2)"},
		{"DEC2 - DEC", "dec:-8.76@3", "DECIMAL(6, 3)"},
		{"NI + 1", "<nil>", "INTEGER"},
		{"S + ' world'", "string:hello world", "STRING"},
		{"S || '!'", "string:hello!", "STRING"},
		{"NS || '!'", "<nil>", "STRING"},
		// comparison: NULL compares false, IS DISTINCT is null-safe
		{"I > 5", "bool:true", "BOOLEAN"},
		{"I = 7.0", "bool:true", "BOOLEAN"},
		{"B >= D", "bool:true", "BOOLEAN"},
		{"DEC > 10.009", "bool:true", "BOOLEAN"},
		{"DEC2 < DEC", "bool:true", "BOOLEAN"},
		{"S < 'i'", "bool:true", "BOOLEAN"},
		{"NI = 1", "bool:false", "BOOLEAN"},
		{"NI <> 1", "bool:false", "BOOLEAN"},
		{"NI IS DISTINCT FROM 1", "bool:true", "BOOLEAN"},
		{"NI IS NOT DISTINCT FROM NI", "bool:true", "BOOLEAN"},
		{"TS > '2018-05-11T21:58:32'", "bool:true", "BOOLEAN"},
		{"TS = '2018-05-11T21:58:33Z'", "bool:true", "BOOLEAN"},
		{"DT = '2022-06-14'", "bool:true", "BOOLEAN"},
		{"TM = '09:16'", "bool:true", "BOOLEAN"},
		{"ARR = ARRAY[1, 2, 3]", "bool:true", "BOOLEAN"},
		{"M = MAP('b' := 2, 'a' := 1)", "bool:true", "BOOLEAN"},
		{"ST = STRUCT(A := 5, B := 'x')", "bool:true", "BOOLEAN"},
		// logic (three-valued)
		{"BO AND NI = 1", "bool:false", "BOOLEAN"},
		{"NOT BO", "bool:false", "BOOLEAN"},
		{"NI > 1 OR BO", "bool:true", "BOOLEAN"},
		{"CAST(NULL AS BOOLEAN) AND true", "<nil>", "BOOLEAN"},
		{"CAST(NULL AS BOOLEAN) OR true", "bool:true", "BOOLEAN"},
		{"NOT CAST(NULL AS BOOLEAN)", "<nil>", "BOOLEAN"},
		{"NI IS NULL", "bool:true", "BOOLEAN"},
		{"S IS NOT NULL", "bool:true", "BOOLEAN"},
		// BETWEEN, IN, LIKE
		{"I BETWEEN 1 AND 7", "bool:true", "BOOLEAN"},
		{"I NOT BETWEEN 1 AND 7", "bool:false", "BOOLEAN"},
		{"NI BETWEEN 1 AND 7", "bool:false", "BOOLEAN"},
		{"S BETWEEN 'a' AND 'z'", "bool:true", "BOOLEAN"},
		{"I IN (1, 7.0)", "bool:true", "BOOLEAN"},
		{"I IN (1, '7.000')", "bool:true", "BOOLEAN"},
		{"I IN (1, NULL)", "bool:false", "BOOLEAN"},
		{"I NOT IN (1, 2)", "bool:true", "BOOLEAN"},
		{"S IN (true, 'hello')", "bool:true", "BOOLEAN"},
		{"BO IN ('tr')", "bool:true", "BOOLEAN"},
		{"ST IN (STRUCT(B := 'x', A := 5))", "bool:true", "BOOLEAN"},
		{"ST IN (STRUCT(A := 5, C := 1))", "bool:false", "BOOLEAN"},
		{"ARR IN (ARRAY['1', '2', '3'])", "bool:true", "BOOLEAN"},
		{"S LIKE 'h%'", "bool:true", "BOOLEAN"},
		{"S LIKE '%ll%'", "bool:true", "BOOLEAN"},
		{"S LIKE 'h_llo'", "bool:true", "BOOLEAN"},
		{"S LIKE 'h%l_'", "bool:true", "BOOLEAN"},
		{"S LIKE 'H%'", "bool:false", "BOOLEAN"},
		{"S NOT LIKE 'x%'", "bool:true", "BOOLEAN"},
		{"'%' LIKE '!%' ESCAPE '!'", "bool:true", "BOOLEAN"},
		{"'x' LIKE '!%' ESCAPE '!'", "bool:false", "BOOLEAN"},
		{"NS LIKE '%'", "bool:false", "BOOLEAN"},
		// CASE
		{"CASE WHEN I < 2 THEN 'small' WHEN I < 10 THEN 'medium' ELSE 'large' END", "string:medium", "STRING"},
		{"CASE WHEN I > 100 THEN B + 2 END", "<nil>", "BIGINT"},
		{"CASE WHEN NI > 1 THEN 'x' ELSE 'default' END", "string:default", "STRING"},
		{"CASE I WHEN 1 THEN 'one' WHEN 7 THEN 'seven' END", "string:seven", "STRING"},
		{"CASE WHEN BO THEN I ELSE B END", "int64:7", "BIGINT"},
		{"CASE WHEN BO THEN NULL ELSE 'x' END", "<nil>", "STRING"},
		// subscripts and dereference
		{"ARR[1]", "int32:1", "INTEGER"},
		{"ARR[-1]", "int32:3", "INTEGER"},
		{"ARR[4]", "<nil>", "INTEGER"},
		{"ARR[0]", "<nil>", "INTEGER"},
		{"NARR[1][2]", "int32:1", "INTEGER"},
		{"NARR[3][1]", "<nil>", "INTEGER"},
		{"M['b']", "int32:2", "INTEGER"},
		{"M['zz']", "<nil>", "INTEGER"},
		{"ST->A", "int32:5", "INTEGER"},
		{"ST->b", "string:x", "STRING"},
		// constructors
		{"ARRAY[1, 123456789000]", "[int64:1 int64:123456789000]", "ARRAY<BIGINT>"},
		{"ARRAY['3', NULL]", "[string:3 <nil>]", "ARRAY<STRING>"},
		{"MAP('a' := 1)", "map{string:a=int32:1}", "MAP<STRING, INTEGER>"},
		{"STRUCT(X := 1, Y := 'a')", "struct{int32:1 string:a}", "STRUCT<`X` INTEGER, `Y` STRING>"},
		// CAST
		{"CAST(I AS STRING)", "string:7", "STRING"},
		{"CAST(D AS STRING)", "string:2.5", "STRING"},
		{"CAST(DEC AS STRING)", "string:10.01", "STRING"},
		{"CAST(1.50 AS STRING)", "string:1.50", "STRING"},
		{"CAST(3000000000 AS INT)", "int32:-1294967296", "INTEGER"},
		{"CAST(D AS INT)", "int32:2", "INTEGER"},
		{"CAST(' 42 ' AS INT)", "int32:42", "INTEGER"},
		{"CAST('x' AS INT)", "<nil>", "INTEGER"},
		{"CAST('1.005' AS DECIMAL(4, 2))", "dec:1.01@2", "DECIMAL(4, 2)"},
		{"CAST('123.4' AS DECIMAL(4, 2))", "<nil>", "DECIMAL(4, 2)"},
		{"CAST(D AS DECIMAL(5, 1))", "dec:2.5@1", "DECIMAL(5, 1)"},
		{"CAST(I AS DOUBLE)", "f64:7.0", "DOUBLE"},
		{"CAST('yes' AS BOOLEAN)", "bool:true", "BOOLEAN"},
		{"CAST(TS AS STRING)", "string:2018-05-11T21:58:33.000", "STRING"},
		{"CAST(TS AS DATE)", "types.DateVal:17662", "DATE"},
		{"CAST('2022-06' AS DATE)", "types.DateVal:19144", "DATE"}, // day left out
		{"CAST('1970' AS DATE)", "types.DateVal:0", "DATE"},
		{"DT > TS", "bool:true", "BOOLEAN"}, // the date is midnight of its day
		{"TS >= DT", "bool:false", "BOOLEAN"},
		{"CAST('1970-01-02' AS DATE) = FROM_UNIXTIME(86400000)", "bool:true", "BOOLEAN"},
		// SqlTimeTypes.formatTime: LocalTime.ofSecondOfDay(ms / 1000).toString()
		{"CAST(TM AS STRING)", "string:09:16", "STRING"},
		{"CAST(PARSE_TIME('13:25:07.123', 'HH:mm:ss.SSS') AS STRING)", "string:13:25:07", "STRING"},
		{"CAST(PARSE_TIME('00:00:00.5', 'HH:mm:ss.S') AS STRING)", "string:00:00", "STRING"},
		{"CAST(ARRAY[TM] AS STRING)", "string:[09:16:00]", "STRING"}, // java.sql.Time.toString
		{"CAST('00:01' AS TIME)", "types.TimeVal:60000", "TIME"},
		{"CAST('2018-05-11T21:58:33Z' AS TIMESTAMP)", "types.TimestampVal:1526075913000", "TIMESTAMP"},
		{"CAST(DT AS STRING)", "string:2022-06-14", "STRING"},
		{"CAST(ARR AS STRING)", "string:[1, 2, 3]", "STRING"},
		{"CAST(ARR AS ARRAY<BIGINT>)", "[int64:1 int64:2 int64:3]", "ARRAY<BIGINT>"},
		{"CAST(NULL AS STRING)", "<nil>", "STRING"},
		{"TIMESTAMP '2018-05-11T21:58:33Z'", "types.TimestampVal:1526075913000", "TIMESTAMP"},
	}
	for _, tc := range tests {
		t.Run(tc.expr, func(t *testing.T) {
			v, typ, _ := eval(t, tc.expr)
			if got := render(v); got != tc.want {
				t.Errorf("value = %s, want %s", got, tc.want)
			}
			if typ.String() != tc.typ {
				t.Errorf("type = %s, want %s", typ, tc.typ)
			}
		})
	}
}

func TestEvalErrorsReported(t *testing.T) {
	for _, text := range []string{"I / 0", "CAST('x' AS INT)", "DEC / 0.0", "SUBSTRING(S, 1) + CAST(S AS STRING)"} {
		v, _, errs := eval(t, text)
		if text == "SUBSTRING(S, 1) + CAST(S AS STRING)" {
			if v != "hellohello" || len(errs) != 0 {
				t.Errorf("%s = %v, errs %v", text, v, errs)
			}
			continue
		}
		if v != nil || len(errs) != 1 {
			t.Errorf("%s = %v with errors %v; want NULL and one error", text, v, errs)
		}
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct{ expr, want string }{
		{"I >= 'not an int'", "Cannot compare I (INTEGER) to 'not an int' (STRING) with GREATER_THAN_OR_EQUAL."},
		{"ARR < ARR", "Cannot compare ARR (ARRAY<INTEGER>) to ARR (ARRAY<INTEGER>) with LESS_THAN."},
		{"ST < ST", "Cannot compare ST (STRUCT<`A` INTEGER, `B` STRING>) to ST (STRUCT<`A` INTEGER, `B` STRING>) with LESS_THAN."},
		{"NULL <> NULL", "Comparison with NULL not supported: NULL <> NULL"},
		{"TRUE + 1.5", "Error processing expression: (true + 1.5). Unsupported arithmetic types. BOOLEAN DECIMAL"},
		{"NULL", "Can't infer a type of null"},
		{"CASE WHEN BO THEN NULL ELSE NULL END", "Invalid Case expression. All case branches have NULL type"},
		{"WONT_FIND_ME(1)", "Can't find any functions with the name 'WONT_FIND_ME'"},
		{"SUBSTRIN(S, 1)", "Did you mean SUBSTRING?"},
		{"COALESCE()", "Function 'COALESCE' does not accept parameters ()"},
		{"GREATEST()", "Function 'greatest' does not accept parameters ()."},
		{"GREATEST(I, B)", "Function 'greatest' cannot be resolved due to ambiguous method parameters (INTEGER, BIGINT)."},
		{"GREATEST(S, I)", "Function 'greatest' does not accept parameters (STRING, INTEGER)."},
		{"GREATEST(NULL, NULL)", "ambiguous method parameters (null, null)."},
		{"LCASE(I)", "Function 'LCASE' does not accept parameters (INTEGER)."},
		{"I IN (10, 'x')", `Invalid Predicate: invalid input syntax for type INTEGER: "x"`},
		{"I IN (10, true)", "Invalid Predicate: operator does not exist: INTEGER = BOOLEAN (true)"},
		{"BO IN (true, S)", "Invalid Predicate: operator does not exist: BOOLEAN = STRING (S)"},
		{"ARRAY[]", "Array constructor cannot be empty. Please supply at least one element"},
		{"ARRAY[1, 'not a number']", `invalid input syntax for type INTEGER: "not a number".`},
		{"MAP('k' := I, 'j' := 'hello')", `invalid input syntax for type INTEGER: "hello".`},
		{"DEC IN (10, true)", "operator does not exist: DECIMAL(12, 2) = BOOLEAN (true)"}, // the type widened by 10
		{"ARR IN (ARRAY[BO])", "operator does not exist: ARRAY<INTEGER> = ARRAY<BOOLEAN> (ARRAY[BO])"},
		{"ARR IN (ARRAY['10', 'not 10'])", `invalid input syntax for type INTEGER: "not 10"`},
		{"ST IN (STRUCT(A := BO))", "operator does not exist: STRUCT<`A` INTEGER, `B` STRING> = STRUCT<`A` BOOLEAN> (STRUCT(A:=BO))"},
		{"STRUCT(A := 1, A := 2)", "Duplicate field names found in STRUCT"},
		{"ST->Q", "Could not find field 'Q'"},
		{"CAST(ARR AS INT)", "Cast of ARRAY<INTEGER> to INTEGER is not supported"},
		{"UNKNOWN_COL + 1", "SELECT column 'UNKNOWN_COL' cannot be resolved."},
	}
	for _, tc := range tests {
		t.Run(tc.expr, func(t *testing.T) {
			_, err := Compile(mustParse(t, tc.expr), testSchema, NewRegistry())
			if err == nil {
				t.Fatalf("expected error containing %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
		})
	}
}

func TestTypeOfLiteralAndCastValue(t *testing.T) {
	for text, want := range map[string]string{"1": "INTEGER", "-5000000000": "BIGINT", "1.50": "DECIMAL(3, 2)", "1E2": "DOUBLE", "'a'": "STRING", "true": "BOOLEAN"} {
		typ, ok := TypeOfLiteral(mustParse(t, text))
		if !ok || typ.String() != want {
			t.Errorf("TypeOfLiteral(%s) = %v, %v; want %s", text, typ, ok, want)
		}
	}
	if _, ok := TypeOfLiteral(mustParse(t, "I")); ok {
		t.Error("a column is not a literal")
	}
	if typ, ok := TypeOfLiteral(mustParse(t, "NULL")); !ok || typ != nil {
		t.Error("NULL is a literal without a type")
	}
	v, err := CastValue("12.5", types.StringType, types.DecimalOf(5, 2))
	if err != nil || render(v) != "dec:12.5@2" {
		t.Errorf("CastValue = %s, %v", render(v), err)
	}
	if _, err := CastValue("zz", types.StringType, types.BigintType); err == nil || !strings.Contains(err.Error(), `invalid input syntax for type BIGINT: "zz"`) {
		t.Errorf("CastValue error = %v", err)
	}
	if v, _ := CastValue(nil, types.StringType, types.IntType); v != nil {
		t.Error("NULL casts to NULL")
	}
}

func TestRegistry(t *testing.T) {
	r := NewRegistry()
	for _, n := range []string{"substring", "ROUND", "Coalesce", "EXTRACTJSONFIELD", "TRANSFORM"} {
		if !r.Has(n) {
			t.Errorf("missing %s", n)
		}
	}
	if r.Has("NOPE") {
		t.Error("unexpected NOPE")
	}
	names := r.Names()
	if len(names) < 80 || names[0] > names[1] {
		t.Errorf("Names() = %d names, sorted? %v", len(names), names[:2])
	}
}

func TestRowtimeStringComparison(t *testing.T) {
	r := testResolver{cols: []types.Column{col("ROWTIME", types.BigintType)}}
	c, err := Compile(mustParse(t, "ROWTIME >= '2018-05-11T21:58:33'"), r, NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	if v := c.Eval(nil, []any{int64(1526075913000)}); v != true {
		t.Errorf("got %v", v)
	}
	if v := c.Eval(nil, []any{int64(1526075912999)}); v != false {
		t.Errorf("got %v", v)
	}
}
