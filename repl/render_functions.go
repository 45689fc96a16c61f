package repl

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/eddysql/eddy/api"
)

// functionDescription writes DESCRIBE FUNCTION: the function's header
// fields, then one block per variation with its arguments.
func (r *renderer) functionDescription(d *api.FunctionDescription) {
	fmt.Fprintln(r.out)
	r.fnField("Name", d.Name)
	r.fnField("Author", d.Author)
	if d.Version != "" {
		r.fnField("Version", d.Version)
	}
	r.fnField("Overview", d.Description)
	r.fnField("Type", d.FunctionType)
	r.fnField("Jar", d.Path)
	r.fnField("Variations", "")
	for _, v := range d.Functions {
		args := make([]string, len(v.Arguments))
		for i, a := range v.Arguments {
			typ := a.Type
			if a.IsVariadic {
				typ += "[]"
			}
			args[i] = strings.TrimSpace(a.Name + " " + typ)
		}
		fmt.Fprintln(r.out)
		r.variationField("Variation", d.Name+"("+strings.Join(args, ", ")+")")
		r.variationField("Returns", v.ReturnType)
		if v.Description != "" {
			r.variationField("Description", v.Description)
		}
		for _, a := range v.Arguments {
			if a.Description != "" {
				r.variationField(a.Name, a.Description)
			}
		}
	}
}

// fnField writes a `Label : value` line with the short label column
// DESCRIBE FUNCTION uses.
func (r *renderer) fnField(label, value string) {
	fmt.Fprintln(r.out, strings.TrimRight(fmt.Sprintf("%-12s: %s", label, value), " "))
}

// variationField writes an indented `Label : value` line of a variation.
func (r *renderer) variationField(label, value string) {
	fmt.Fprintln(r.out, strings.TrimRight(fmt.Sprintf("\t%-12s: %s", label, value), " "))
}

// functions writes SHOW FUNCTIONS: name and type, and the category when
// the server sends categories.
func (r *renderer) functions(e *api.FunctionNameList) {
	fns := append([]api.FunctionName(nil), e.Functions...)
	sort.SliceStable(fns, func(i, j int) bool { return fns[i].Name < fns[j].Name })
	categories := false
	for _, f := range fns {
		categories = categories || f.Category != ""
	}
	t := &table{header: []string{"Function Name", "Type"}}
	if categories {
		t.header = append(t.header, "Category")
	}
	for _, f := range fns {
		typ := f.Type
		if typ == "" {
			typ = "SCALAR"
		}
		if categories {
			t.add(f.Name, typ, f.Category)
		} else {
			t.add(f.Name, typ)
		}
	}
	r.table(t)
	fmt.Fprintln(r.out, "For detailed information on a function run: DESCRIBE FUNCTION <Function Name>;")
}

// topicsExtended writes SHOW TOPICS EXTENDED.
func (r *renderer) topicsExtended(e *api.TopicsListExtended) {
	t := &table{header: []string{"Kafka Topic", "Partitions", "Partition Replicas", "Consumers", "ConsumerGroups"}}
	for _, tp := range e.Topics {
		t.add(tp.Name, strconv.Itoa(len(tp.ReplicaInfo)), replicaSummary(tp.ReplicaInfo),
			strconv.Itoa(tp.ConsumerCount), strconv.Itoa(tp.ConsumerGroupCount))
	}
	r.table(t)
}

// types writes SHOW TYPES: each custom type with its definition.
func (r *renderer) types(e *api.TypeList) {
	names := make([]string, 0, len(e.Types))
	for n := range e.Types {
		names = append(names, n)
	}
	sort.Strings(names)
	t := &table{header: []string{"Type Name", "Schema"}}
	for _, n := range names {
		s := e.Types[n]
		t.add(n, typeString(&s))
	}
	r.table(t)
}

// queryRuntime writes the parts of EXPLAIN that describe a running
// query: its local counters and the errors that failed it.
func (r *renderer) queryRuntime(q *api.QueryDescription) {
	if q.Statistics != "" || q.ErrorStats != "" {
		r.section("Local runtime statistics")
		if q.Statistics != "" {
			fmt.Fprintln(r.out, q.Statistics)
		}
		if q.ErrorStats != "" {
			fmt.Fprintln(r.out, q.ErrorStats)
		}
	}
	if len(q.QueryErrors) > 0 {
		fmt.Fprintln(r.out)
		t := &table{header: []string{"Error Date", "Error Details", "Error Type"}}
		for _, qe := range q.QueryErrors {
			t.add(time.UnixMilli(qe.Timestamp).UTC().Format(time.RFC3339), qe.ErrorMessage, qe.Type)
		}
		t.render(r.out, r.width)
	}
}
