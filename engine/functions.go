package engine

import (
	"fmt"
	"sort"
	"strings"

	"github.com/eddysql/eddy/api"
	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/sql"
)

// showFunctions answers SHOW FUNCTIONS: every scalar and aggregate
// function, sorted by name, with its type and category.
func (e *Engine) showFunctions(text string) *api.FunctionNameList {
	seen := map[string]bool{}
	fs := []api.FunctionName{}
	for _, n := range e.fns.AggregateNames() {
		seen[n] = true
		fs = append(fs, api.FunctionName{Name: n, Type: "AGGREGATE", Category: "AGGREGATE"})
	}
	for _, n := range expr.TableFuncNames() {
		seen[n] = true
		fs = append(fs, api.FunctionName{Name: n, Type: "TABLE", Category: "TABLE"})
	}
	for _, n := range e.fns.Names() {
		if !seen[n] {
			fs = append(fs, api.FunctionName{Name: n, Type: "SCALAR", Category: functionCategory(n)})
		}
	}
	sort.Slice(fs, func(i, j int) bool { return fs[i].Name < fs[j].Name })
	return &api.FunctionNameList{Type: "function_names", StatementText: text, Functions: fs, Warnings: []api.Warning{}}
}

// describeFunction answers DESCRIBE FUNCTION f with the variations the
// registry knows.
func (e *Engine) describeFunction(st *sql.Describe) (api.Entity, error) {
	info, ok := e.fns.Describe(st.Name)
	tableSigs := expr.TableFuncSignatures(strings.ToUpper(st.Name))
	if tableSigs != nil {
		info, ok = expr.FunctionInfo{Name: strings.ToUpper(st.Name), Signatures: tableSigs}, true
	}
	if !ok {
		return nil, &stmtErr{msg: fmt.Sprintf("Can't find any functions with the name '%s'", st.Name)}
	}
	d := &api.FunctionDescription{
		Type: "describe_function", StatementText: st.Text(), Name: info.Name,
		Author: "eddy", Path: "internal", FunctionType: "SCALAR",
		Description: functionDescriptions[info.Name], Functions: []api.FunctionVariation{}, Warnings: []api.Warning{},
	}
	if info.Aggregate {
		d.FunctionType = "AGGREGATE"
	}
	if tableSigs != nil {
		d.FunctionType = "TABLE"
	}
	sigs := info.Signatures
	if info.Custom {
		sigs = customSignatures[info.Name]
	}
	for _, s := range sigs {
		v := api.FunctionVariation{Arguments: []api.FunctionArgument{}, ArgumentTypes: []string{}, ReturnType: s.Returns}
		for i, p := range s.Params {
			v.Arguments = append(v.Arguments, api.FunctionArgument{
				Name: fmt.Sprintf("arg%d", i+1), Type: p, IsVariadic: s.Variadic && i == len(s.Params)-1,
			})
			v.ArgumentTypes = append(v.ArgumentTypes, p)
		}
		d.Functions = append(d.Functions, v)
	}
	if len(d.Functions) == 0 {
		d.Functions = append(d.Functions, api.FunctionVariation{
			Arguments: []api.FunctionArgument{}, ArgumentTypes: []string{}, ReturnType: "ANY",
			Description: "Argument types are checked when a call is compiled.",
		})
	}
	return d, nil
}

// customSignatures are the documented variations of the functions the
// registry compiles with custom code (generic, lazy or lambda-taking), so
// DESCRIBE FUNCTION can list them. INTERVAL is a time unit keyword.
var customSignatures = map[string][]expr.Signature{
	"COALESCE":       {{Params: []string{"T", "T"}, Variadic: true, Returns: "T"}},
	"IFNULL":         {{Params: []string{"T", "T"}, Returns: "T"}},
	"NULLIF":         {{Params: []string{"T", "T"}, Returns: "T"}},
	"GREATEST":       {{Params: []string{"T", "T"}, Variadic: true, Returns: "T"}},
	"LEAST":          {{Params: []string{"T", "T"}, Variadic: true, Returns: "T"}},
	"AS_VALUE":       {{Params: []string{"T"}, Returns: "T"}},
	"TO_JSON_STRING": {{Params: []string{"ANY"}, Returns: "STRING"}},
	"TRANSFORM": {
		{Params: []string{"ARRAY<T>", "LAMBDA(T) => U"}, Returns: "ARRAY<U>"},
		{Params: []string{"MAP<K, V>", "LAMBDA(K, V) => A", "LAMBDA(K, V) => B"}, Returns: "MAP<A, B>"},
	},
	"FILTER": {
		{Params: []string{"ARRAY<T>", "LAMBDA(T) => BOOLEAN"}, Returns: "ARRAY<T>"},
		{Params: []string{"MAP<K, V>", "LAMBDA(K, V) => BOOLEAN"}, Returns: "MAP<K, V>"},
	},
	"REDUCE": {
		{Params: []string{"ARRAY<T>", "S", "LAMBDA(S, T) => S"}, Returns: "S"},
		{Params: []string{"MAP<K, V>", "S", "LAMBDA(S, K, V) => S"}, Returns: "S"},
	},
	"DATEADD":      {{Params: []string{"INTERVAL", "INTEGER", "DATE"}, Returns: "DATE"}},
	"DATESUB":      {{Params: []string{"INTERVAL", "INTEGER", "DATE"}, Returns: "DATE"}},
	"TIMEADD":      {{Params: []string{"INTERVAL", "INTEGER", "TIME"}, Returns: "TIME"}},
	"TIMESUB":      {{Params: []string{"INTERVAL", "INTEGER", "TIME"}, Returns: "TIME"}},
	"TIMESTAMPADD": {{Params: []string{"INTERVAL", "INTEGER", "TIMESTAMP"}, Returns: "TIMESTAMP"}},
	"TIMESTAMPSUB": {{Params: []string{"INTERVAL", "INTEGER", "TIMESTAMP"}, Returns: "TIMESTAMP"}},
}

// functionDescriptions are eddy's one-line descriptions of the aggregate
// functions.
var functionDescriptions = map[string]string{
	"EXPLODE":            "One output row per element of the array; a NULL array gives no rows.",
	"CUBE_EXPLODE":       "One output row per combination of the array's elements, each kept or NULL.",
	"ATTR":               "The value of a column when it is the same in every row of the group, else NULL.",
	"AVG":                "The average of the non-null values.",
	"COLLECT_LIST":       "An array of the values, duplicates kept, up to a limit.",
	"COLLECT_SET":        "An array of the distinct values, up to a limit.",
	"CORRELATION":        "The correlation coefficient of two columns.",
	"COUNT":              "The number of rows, or of non-null values of a column.",
	"COUNT_DISTINCT":     "The approximate number of distinct values.",
	"EARLIEST_BY_OFFSET": "The value of the earliest record by offset, or an array of the first n.",
	"HISTOGRAM":          "A map from each distinct value to the number of times it occurs.",
	"LATEST_BY_OFFSET":   "The value of the latest record by offset, or an array of the last n.",
	"MAX":                "The largest value.",
	"MIN":                "The smallest value.",
	"STDDEV_SAMP":        "The sample standard deviation.",
	"STDDEV_SAMPLE":      "The sample standard deviation.",
	"SUM":                "The sum of the values.",
	"SUM_LIST":           "The sum of the elements of arrays.",
	"TOPK":               "An array of the k largest values.",
	"TOPKDISTINCT":       "An array of the k largest distinct values.",
}

// functionCategory groups a scalar function as SHOW FUNCTIONS lists it.
func functionCategory(name string) string {
	if c, ok := categoryByName[name]; ok {
		return c
	}
	switch {
	case strings.HasPrefix(name, "ARRAY_"):
		return "ARRAY"
	case strings.HasPrefix(name, "MAP_"):
		return "MAP"
	case strings.HasPrefix(name, "JSON_"):
		return "JSON"
	case strings.HasPrefix(name, "URL_"):
		return "URL"
	case strings.HasPrefix(name, "REGEXP_"):
		return "REGULAR EXPRESSION"
	case strings.HasPrefix(name, "MASK"):
		return "STRING"
	}
	return "OTHER"
}

var categoryByName = func() map[string]string {
	m := map[string]string{}
	for cat, names := range map[string]string{
		"MATHEMATICAL": "ABS ACOS ASIN ATAN ATAN2 CBRT CEIL COS COSH COT DEGREES EXP FLOOR GEO_DISTANCE GREATEST LEAST LN LOG PI POWER RADIANS RANDOM ROUND SIGN SIN SINH SQRT TAN TANH TRUNC",
		"STRING":       "CHR CONCAT CONCAT_WS ELT ENCODE FIELD INITCAP INSTR LCASE LEN LPAD LTRIM MD5 REPLACE RPAD RTRIM SPLIT SPLIT_TO_MAP SUBSTRING TRIM UCASE UUID",
		"ARRAY":        "ENTRIES GENERATE_SERIES SLICE",
		"MAP":          "AS_MAP",
		"JSON":         "EXTRACTJSONFIELD IS_JSON_STRING TO_JSON_STRING",
		"DATE / TIME":  "CONVERT_TZ DATEADD DATESUB DATETOSTRING FORMAT_DATE FORMAT_TIME FORMAT_TIMESTAMP FROM_DAYS FROM_UNIXTIME PARSE_DATE PARSE_TIME PARSE_TIMESTAMP STRINGTODATE STRINGTOTIMESTAMP TIMEADD TIMESTAMPADD TIMESTAMPSUB TIMESTAMPTOSTRING TIMESUB UNIX_DATE UNIX_TIMESTAMP",
		"CONVERSIONS":  "BIGINT_FROM_BYTES DOUBLE_FROM_BYTES FROM_BYTES INT_FROM_BYTES TO_BYTES",
		"LAMBDA":       "FILTER REDUCE TRANSFORM",
		"CONDITIONAL":  "COALESCE IFNULL NULLIF",
	} {
		for _, n := range strings.Fields(names) {
			m[n] = cat
		}
	}
	return m
}()
