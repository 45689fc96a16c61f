package kafka

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/eddysql/eddy/internal/confignames"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// topicConfigCheck is how Kafka's LogConfig checks the value of a topic
// setting: a number of a kind within bounds, or one of a set of words.
type topicConfigCheck struct {
	kind     string   // "INT", "LONG", "DOUBLE", "BOOLEAN", "one", "list"
	min, max float64  // bounds of a number (max: DOUBLE only; INT and LONG stop at their size)
	words    []string // kind "one" and "list"
}

// topicConfigChecks are Kafka's checks of the topic settings whose value
// it validates.
// kfake stores any value, and a value that does not parse does not fail
// there but later and silently: max.message.bytes=x made a topic that
// refused every record, retention.ms=abc kept the broker's retention.
var topicConfigChecks = map[string]topicConfigCheck{
	"cleanup.policy":                      {kind: "list", words: []string{"compact", "delete"}},
	"compression.type":                    {kind: "one", words: []string{"uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"}},
	"delete.retention.ms":                 {kind: "LONG", min: 0, max: math.MaxInt64},
	"file.delete.delay.ms":                {kind: "LONG", min: 0, max: math.MaxInt64},
	"flush.messages":                      {kind: "LONG", min: 1, max: math.MaxInt64},
	"flush.ms":                            {kind: "LONG", min: 0, max: math.MaxInt64},
	"index.interval.bytes":                {kind: "INT", min: 0, max: math.MaxInt32},
	"max.compaction.lag.ms":               {kind: "LONG", min: 1, max: math.MaxInt64},
	"max.message.bytes":                   {kind: "INT", min: 0, max: math.MaxInt32},
	"message.timestamp.after.max.ms":      {kind: "LONG", min: 0, max: math.MaxInt64},
	"message.timestamp.before.max.ms":     {kind: "LONG", min: 0, max: math.MaxInt64},
	"message.timestamp.difference.max.ms": {kind: "LONG", min: 0, max: math.MaxInt64},
	"message.timestamp.type":              {kind: "one", words: []string{"CreateTime", "LogAppendTime"}},
	"min.cleanable.dirty.ratio":           {kind: "DOUBLE", min: 0, max: 1},
	"min.compaction.lag.ms":               {kind: "LONG", min: 0, max: math.MaxInt64},
	"min.insync.replicas":                 {kind: "INT", min: 1, max: math.MaxInt32},
	"preallocate":                         {kind: "BOOLEAN"},
	"retention.bytes":                     {kind: "LONG", min: math.MinInt64, max: math.MaxInt64},
	"retention.ms":                        {kind: "LONG", min: -1, max: math.MaxInt64},
	"segment.bytes":                       {kind: "INT", min: 14, max: math.MaxInt32},
	"segment.index.bytes":                 {kind: "INT", min: 4, max: math.MaxInt32},
	"segment.jitter.ms":                   {kind: "LONG", min: 0, max: math.MaxInt64},
	"segment.ms":                          {kind: "LONG", min: 1, max: math.MaxInt64},
	"unclean.leader.election.enable":      {kind: "BOOLEAN"},
}

// checkTopicConfig returns Kafka's message for a topic setting it would
// refuse, an unknown name or a bad value, or "" (nil values, which
// delete a setting, and settings Kafka does not check here pass).
func checkTopicConfig(name string, value *string) string {
	if value == nil {
		return ""
	}
	if !confignames.Topic(name) {
		// kfake stored any name: a misspelt retention.msec was taken and
		// the topic kept the broker's retention.
		return "Unknown topic config name: " + name
	}
	c, ok := topicConfigChecks[name]
	if !ok {
		return ""
	}
	v := strings.TrimSpace(*value)
	invalid := func(why string) string {
		return fmt.Sprintf("Invalid value %s for configuration %s: %s", *value, name, why)
	}
	switch c.kind {
	case "INT", "LONG":
		bits := 64
		if c.kind == "INT" {
			bits = 32
		}
		n, err := strconv.ParseInt(v, 10, bits)
		if err != nil {
			return invalid("Not a number of type " + c.kind)
		}
		if float64(n) < c.min {
			return invalid(fmt.Sprintf("Value must be at least %.0f", c.min))
		}
	case "DOUBLE":
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return invalid("Not a number of type DOUBLE")
		}
		if f < c.min || f > c.max {
			return invalid(fmt.Sprintf("Value must be between %g and %g", c.min, c.max))
		}
	case "BOOLEAN":
		if !strings.EqualFold(v, "true") && !strings.EqualFold(v, "false") {
			return invalid("Expected value to be either true or false")
		}
	case "one":
		for _, w := range c.words {
			if strings.EqualFold(v, w) {
				return ""
			}
		}
		return invalid("String must be one of: " + strings.Join(c.words, ", "))
	case "list":
		if v == "" {
			return "" // Kafka reads an empty list
		}
		for _, item := range strings.Split(v, ",") {
			known := false
			for _, w := range c.words {
				if strings.EqualFold(strings.TrimSpace(item), w) {
					known = true
				}
			}
			if !known {
				return invalid("String must be one of: " + strings.Join(c.words, ", "))
			}
		}
	}
	return ""
}

// refuseInvalidTopicConfigs refuses, with Kafka's INVALID_CONFIG and its
// message, a CreateTopics, AlterConfigs or IncrementalAlterConfigs that
// sets a topic setting to a value Kafka would refuse. Kafka answers each
// topic (resource) for itself; as refuseInvalidTopicNames does, the
// others of such a request are refused with INVALID_REQUEST and nothing
// is changed, rather than the request be split.
func refuseInvalidTopicConfigs(c *kfake.Cluster) func(kmsg.Request) (kmsg.Response, error, bool) {
	return func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl() // a handled control is dropped otherwise
		switch r := req.(type) {
		case *kmsg.CreateTopicsRequest:
			sets := make([][]setting, len(r.Topics))
			for i, t := range r.Topics {
				for _, cfg := range t.Configs {
					sets[i] = append(sets[i], setting{cfg.Name, cfg.Value})
				}
			}
			bad, refused := badSettings(sets)
			if !refused {
				return nil, nil, false
			}
			return refusedCreateTopics(r, func(i int) (string, int16) { return verdict(bad[i]) }), nil, true
		case *kmsg.AlterConfigsRequest:
			sets := make([][]setting, len(r.Resources))
			for i, rr := range r.Resources {
				if rr.ResourceType != kmsg.ConfigResourceTypeTopic {
					continue
				}
				for _, cfg := range rr.Configs {
					sets[i] = append(sets[i], setting{cfg.Name, cfg.Value})
				}
			}
			bad, refused := badSettings(sets)
			if !refused {
				return nil, nil, false
			}
			resp := r.ResponseKind().(*kmsg.AlterConfigsResponse)
			for i, rr := range r.Resources {
				sr := kmsg.NewAlterConfigsResponseResource()
				sr.ResourceType, sr.ResourceName = rr.ResourceType, rr.ResourceName
				msg, code := verdict(bad[i])
				sr.ErrorCode, sr.ErrorMessage = code, &msg
				resp.Resources = append(resp.Resources, sr)
			}
			return resp, nil, true
		case *kmsg.IncrementalAlterConfigsRequest:
			sets := make([][]setting, len(r.Resources))
			for i, rr := range r.Resources {
				if rr.ResourceType != kmsg.ConfigResourceTypeTopic {
					continue
				}
				for _, cfg := range rr.Configs {
					if cfg.Op == kmsg.IncrementalAlterConfigOpSet { // DELETE has no value; APPEND and SUBTRACT are kfake's to judge
						sets[i] = append(sets[i], setting{cfg.Name, cfg.Value})
					}
				}
			}
			bad, refused := badSettings(sets)
			if !refused {
				return nil, nil, false
			}
			resp := r.ResponseKind().(*kmsg.IncrementalAlterConfigsResponse)
			for i, rr := range r.Resources {
				sr := kmsg.NewIncrementalAlterConfigsResponseResource()
				sr.ResourceType, sr.ResourceName = rr.ResourceType, rr.ResourceName
				msg, code := verdict(bad[i])
				sr.ErrorCode, sr.ErrorMessage = code, &msg
				resp.Resources = append(resp.Resources, sr)
			}
			return resp, nil, true
		}
		return nil, nil, false
	}
}

// setting is one topic setting a request makes.
type setting struct {
	name  string
	value *string
}

// badSettings checks the settings each topic (or resource) of a request
// makes: bad[i] says why topic i's first bad one is refused ("" when all
// are good), and refused whether any topic's is.
func badSettings(topics [][]setting) (bad []string, refused bool) {
	bad = make([]string, len(topics))
	for i, sets := range topics {
		for _, s := range sets {
			if bad[i] = checkTopicConfig(s.name, s.value); bad[i] != "" {
				refused = true
				break
			}
		}
	}
	return bad, refused
}

// verdict is the answer to one topic of a refused request: why its own
// setting is bad (INVALID_CONFIG), or, when it has none, that another
// topic's is (INVALID_REQUEST).
func verdict(bad string) (msg string, code int16) {
	if bad != "" {
		return bad, kerr.InvalidConfig.Code
	}
	return "Another topic of the request has an invalid setting: nothing was changed.", kerr.InvalidRequest.Code
}
