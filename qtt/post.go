package qtt

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/serde"
)

// postSpec holds post conditions (qtt-format.md §1.5).
type postSpec struct {
	Sources []sourceSpec `json:"sources"`
	Topics  *topicsSpec  `json:"topics"`
}

// sourceSpec is a subset of a source's properties that must hold.
type sourceSpec struct {
	Name          string          `json:"name"`
	Type          string          `json:"type"`
	Schema        *string         `json:"schema"`
	KeyFormat     json.RawMessage `json:"keyFormat"`
	ValueFormat   json.RawMessage `json:"valueFormat"`
	KeyFeatures   []string        `json:"keyFeatures"`
	ValueFeatures []string        `json:"valueFeatures"`
	IsSource      *bool           `json:"isSource"`
}

// topicsSpec checks the topics known after the run.
type topicsSpec struct {
	Blacklist string          `json:"blacklist"`
	Topics    []postTopicSpec `json:"topics"`
}

// postTopicSpec is a subset of a topic's properties that must hold.
type postTopicSpec struct {
	Name        string          `json:"name"`
	KeyFormat   json.RawMessage `json:"keyFormat"`
	ValueFormat json.RawMessage `json:"valueFormat"`
	Partitions  *int32          `json:"partitions"`
	// Schemas registered for the topic, checked when the runner has a
	// Schema Registry.
	KeySchema     json.RawMessage `json:"keySchema"`
	ValueSchema   json.RawMessage `json:"valueSchema"`
	KeySchemaID   *int            `json:"keySchemaId"`
	ValueSchemaID *int            `json:"valueSchemaId"`
}

// formatSpec is a keyFormat/valueFormat given as a name or an object.
type formatSpec struct {
	Format     string            `json:"format"`
	WindowType string            `json:"windowType"`
	WindowSize *int64            `json:"windowSize"`
	Properties map[string]string `json:"properties"`
	Features   []string          `json:"features"`
	WindowInfo *struct {
		Type string   `json:"type"`
		Size *float64 `json:"size"` // seconds
	} `json:"windowInfo"`
}

func parseFormatSpec(raw json.RawMessage) (*formatSpec, error) {
	if !isSet(raw) {
		return nil, nil
	}
	var name string
	if err := json.Unmarshal(raw, &name); err == nil {
		return &formatSpec{Format: name}, nil
	}
	var f formatSpec
	if err := json.Unmarshal(raw, &f); err != nil {
		return nil, fmt.Errorf("bad format spec %s: %w", raw, err)
	}
	return &f, nil
}

// checkPost verifies post conditions against the catalog and topics.
// reg, when not nil, is the Schema Registry the topics' schemas are
// checked against.
func checkPost(p *postSpec, srcs []*sourceInfo, topics []kafka.TopicInfo, props map[string]string, reg serde.Registry) error {
	if p == nil {
		return nil
	}
	for i := range p.Sources {
		if err := checkSource(&p.Sources[i], srcs, props); err != nil {
			return fmt.Errorf("post source %s: %w", p.Sources[i].Name, err)
		}
	}
	if p.Topics != nil {
		if err := checkTopics(p.Topics, srcs, topics, reg); err != nil {
			return fmt.Errorf("post topics: %w", err)
		}
	}
	return nil
}

func findSource(srcs []*sourceInfo, name string) *sourceInfo {
	for _, s := range srcs {
		if s.Name == name {
			return s
		}
	}
	for _, s := range srcs {
		if strings.EqualFold(s.Name, name) {
			return s
		}
	}
	return nil
}

func checkSource(want *sourceSpec, srcs []*sourceInfo, props map[string]string) error {
	s := findSource(srcs, want.Name)
	if s == nil {
		names := make([]string, len(srcs))
		for i, x := range srcs {
			names[i] = x.Name
		}
		sort.Strings(names)
		return fmt.Errorf("does not exist (sources: %s)", strings.Join(names, ", "))
	}
	if want.Type != "" {
		got := "stream"
		if s.IsTable {
			got = "table"
		}
		if !strings.EqualFold(want.Type, got) {
			return fmt.Errorf("type: expected %s but was %s", strings.ToLower(want.Type), got)
		}
	}
	if want.Schema != nil {
		got := ""
		if s.Schema != nil {
			got = s.Schema.String()
		}
		if normalizeSchema(*want.Schema) != normalizeSchema(got) {
			return fmt.Errorf("schema: expected %s but was %s", *want.Schema, got)
		}
	}
	if want.IsSource != nil && *want.IsSource != s.IsSource {
		return fmt.Errorf("isSource: expected %t but was %t", *want.IsSource, s.IsSource)
	}
	kf, err := parseFormatSpec(want.KeyFormat)
	if err != nil {
		return err
	}
	if err := checkFormat("keyFormat", kf, s.KeyFormat, s.Window); err != nil {
		return err
	}
	vf, err := parseFormatSpec(want.ValueFormat)
	if err != nil {
		return err
	}
	if err := checkFormat("valueFormat", vf, s.ValueFormat, nil); err != nil {
		return err
	}
	keyFeat, valFeat := features(s, props)
	if kf != nil && kf.Features != nil {
		if err := checkFeatures("keyFormat.features", kf.Features, keyFeat); err != nil {
			return err
		}
	}
	if want.KeyFeatures != nil {
		if err := checkFeatures("keyFeatures", want.KeyFeatures, keyFeat); err != nil {
			return err
		}
	}
	if vf != nil && vf.Features != nil {
		if err := checkFeatures("valueFormat.features", vf.Features, valFeat); err != nil {
			return err
		}
	}
	if want.ValueFeatures != nil {
		if err := checkFeatures("valueFeatures", want.ValueFeatures, valFeat); err != nil {
			return err
		}
	}
	return nil
}

// checkFormat compares a format spec with a source's format and window.
// Properties are compared only where the engine reports them.
func checkFormat(what string, want *formatSpec, got format, w *windowInfo) error {
	if want == nil {
		return nil
	}
	if want.Format != "" && !strings.EqualFold(want.Format, got.Name) {
		return fmt.Errorf("%s: expected %s but was %s", what, want.Format, got.Name)
	}
	for k, v := range want.Properties {
		if gv, ok := lookupProp(got.Props, k); ok && gv != v {
			return fmt.Errorf("%s property %s: expected %q but was %q", what, k, v, gv)
		}
	}
	wantType, wantSize := want.WindowType, want.WindowSize
	if want.WindowInfo != nil {
		wantType = want.WindowInfo.Type
		if want.WindowInfo.Size != nil {
			ms := int64(*want.WindowInfo.Size * 1000)
			wantSize = &ms
		}
	}
	if wantType != "" {
		if w == nil {
			return fmt.Errorf("%s: expected window %s but the key is not windowed", what, wantType)
		}
		if !strings.EqualFold(wantType, w.Type) {
			return fmt.Errorf("%s: expected window %s but was %s", what, wantType, w.Type)
		}
		if wantSize != nil && *wantSize != w.SizeMs {
			return fmt.Errorf("%s: expected window size %d but was %d", what, *wantSize, w.SizeMs)
		}
	}
	return nil
}

func lookupProp(props map[string]string, k string) (string, bool) {
	if v, ok := props[k]; ok {
		return v, true
	}
	for pk, v := range props {
		if strings.EqualFold(pk, k) {
			return v, true
		}
	}
	return "", false
}

// wrappingFormats support (un)wrapping a single column.
var wrappingFormats = map[string]bool{"JSON": true, "JSON_SR": true, "AVRO": true, "PROTOBUF": true, "PROTOBUF_NOSR": true}

// features derives the serde features ksqlDB would report: a single key
// column in a wrapping format is unwrapped; a single value column is
// unwrapped when WRAP_SINGLE_VALUE or ksql.persistence.wrap.single.values
// is false.
func features(s *sourceInfo, props map[string]string) (key, value []string) {
	key, value = []string{}, []string{}
	if s.Schema == nil {
		return key, value
	}
	if wrappingFormats[formatName(s.KeyFormat)] && len(s.Schema.Key()) == 1 {
		key = append(key, "UNWRAP_SINGLES")
	}
	if wrappingFormats[formatName(s.ValueFormat)] && len(s.Schema.Value()) == 1 {
		wrap, ok := lookupProp(s.ValueFormat.Props, "WRAP_SINGLE_VALUE")
		if !ok {
			wrap, ok = props["ksql.persistence.wrap.single.values"]
		}
		if ok && strings.EqualFold(wrap, "false") {
			value = append(value, "UNWRAP_SINGLES")
		}
	}
	return key, value
}

func checkFeatures(what string, want, got []string) error {
	w := append([]string(nil), want...)
	g := append([]string(nil), got...)
	for i := range w {
		w[i] = strings.ToUpper(w[i])
	}
	sort.Strings(w)
	sort.Strings(g)
	if strings.Join(w, ",") != strings.Join(g, ",") {
		return fmt.Errorf("%s: expected %v but was %v", what, want, got)
	}
	return nil
}

func checkTopics(want *topicsSpec, srcs []*sourceInfo, topics []kafka.TopicInfo, reg serde.Registry) error {
	if want.Blacklist != "" {
		re, err := regexp.Compile("^(?:" + want.Blacklist + ")$")
		if err != nil {
			return fmt.Errorf("bad blacklist %q: %w", want.Blacklist, err)
		}
		for _, t := range topics {
			if re.MatchString(t.Name) {
				return fmt.Errorf("topic %s matches blacklist %q", t.Name, want.Blacklist)
			}
		}
	}
	for _, wt := range want.Topics {
		var got *kafka.TopicInfo
		for i := range topics {
			if topics[i].Name == wt.Name {
				got = &topics[i]
			}
		}
		if got == nil {
			names := make([]string, len(topics))
			for i, t := range topics {
				names[i] = t.Name
			}
			return fmt.Errorf("topic %s does not exist (topics: %s)", wt.Name, strings.Join(names, ", "))
		}
		if wt.Partitions != nil && *wt.Partitions != got.Partitions {
			return fmt.Errorf("topic %s: expected %d partitions but was %d", wt.Name, *wt.Partitions, got.Partitions)
		}
		if reg != nil {
			if err := checkPostSchemas(reg, &wt); err != nil {
				return err
			}
		}
		// Formats are known only for topics that back a source.
		var src *sourceInfo
		for _, s := range srcs {
			if s.Topic == wt.Name {
				src = s
				break
			}
		}
		if src == nil {
			continue
		}
		kf, err := parseFormatSpec(wt.KeyFormat)
		if err != nil {
			return err
		}
		if err := checkFormat("topic "+wt.Name+" keyFormat", kf, src.KeyFormat, src.Window); err != nil {
			return err
		}
		vf, err := parseFormatSpec(wt.ValueFormat)
		if err != nil {
			return err
		}
		if err := checkFormat("topic "+wt.Name+" valueFormat", vf, src.ValueFormat, nil); err != nil {
			return err
		}
	}
	return nil
}

// typeSynonyms maps type names to the names ksqlDB prints.
var typeSynonyms = map[string]string{"INT": "INTEGER", "VARCHAR": "STRING"}

// normalizeSchema renders a logical schema text canonically so that
// "ID INT KEY, `v` STRING" equals "`ID` INTEGER KEY, `v` STRING": quoted
// names keep their case, bare words are upper-cased, type synonyms are
// resolved and white space is uniform.
func normalizeSchema(s string) string {
	toks := schemaTokens(s)
	// Contexts: true where names precede types (top level, STRUCT<...>).
	ctx := []bool{true}
	expectName := true
	lastWord := ""
	var out []string
	for _, t := range toks {
		switch t.text {
		case "<":
			named := lastWord == "STRUCT"
			ctx = append(ctx, named)
			expectName = named
			out = append(out, t.text)
			lastWord = ""
			continue
		case ">":
			if len(ctx) > 1 {
				ctx = ctx[:len(ctx)-1]
			}
			expectName = false
			out = append(out, t.text)
			lastWord = ""
			continue
		case ",":
			expectName = ctx[len(ctx)-1]
			out = append(out, t.text)
			lastWord = ""
			continue
		}
		text := t.text
		if t.word && strings.EqualFold(text, "PRIMARY") {
			continue // tables print "PRIMARY KEY"; the type is checked apart
		}
		switch {
		case t.quoted:
			expectName = false
		case t.word:
			text = strings.ToUpper(text)
			if expectName {
				expectName = false
			} else if syn, ok := typeSynonyms[text]; ok {
				text = syn
			}
			lastWord = text
		default:
			lastWord = ""
		}
		out = append(out, text)
	}
	return strings.Join(out, " ")
}

type schemaToken struct {
	text   string
	quoted bool // a back-quoted identifier, quotes removed
	word   bool // a bare word
}

func schemaTokens(s string) []schemaToken {
	var toks []schemaToken
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '`':
			var b strings.Builder
			i++
			for i < len(s) {
				if s[i] == '`' {
					if i+1 < len(s) && s[i+1] == '`' {
						b.WriteByte('`')
						i += 2
						continue
					}
					i++
					break
				}
				b.WriteByte(s[i])
				i++
			}
			toks = append(toks, schemaToken{text: b.String(), quoted: true})
		case c == '\'':
			j := i + 1
			for j < len(s) {
				if s[j] == '\'' {
					if j+1 < len(s) && s[j+1] == '\'' {
						j += 2
						continue
					}
					break
				}
				j++
			}
			if j < len(s) {
				j++
			}
			toks = append(toks, schemaToken{text: s[i:j]})
			i = j
		case isWordByte(c):
			j := i
			for j < len(s) && isWordByte(s[j]) {
				j++
			}
			toks = append(toks, schemaToken{text: s[i:j], word: true})
			i = j
		default:
			toks = append(toks, schemaToken{text: string(c)})
			i++
		}
	}
	return toks
}

func isWordByte(c byte) bool {
	return c == '_' || c == '$' || c == '@' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

// checkPostSchemas checks the key and value schemas a post topic expects.
func checkPostSchemas(reg serde.Registry, wt *postTopicSpec) error {
	for _, side := range []struct {
		isKey  bool
		format json.RawMessage
		schema json.RawMessage
		id     *int
	}{
		{true, wt.KeyFormat, wt.KeySchema, wt.KeySchemaID},
		{false, wt.ValueFormat, wt.ValueSchema, wt.ValueSchemaID},
	} {
		if !isSet(side.schema) && side.id == nil {
			continue
		}
		f, err := parseFormatSpec(side.format)
		if err != nil {
			return err
		}
		name := ""
		if f != nil {
			name = f.Format
		}
		if err := checkTopicSchema(reg, wt.Name, side.isKey, name, side.schema, side.id); err != nil {
			return err
		}
	}
	return nil
}
