package kafka

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// topicSetting is a topic setting the embedded broker reports for every
// topic: the broker setting kfake falls back on when the topic has none
// of its own ("" when it falls back on nothing), and kfake's built-in
// default.
type topicSetting struct {
	name, broker, def string
	kind              kmsg.ConfigType
}

// topicSettings are the settings a topic resource lists, with the value
// the broker applies. segment.ms is left out (kfake rolls segments by
// size only) unless set on the topic, as are the other names Kafka lists
// that kfake does not apply.
var topicSettings = []topicSetting{
	{"cleanup.policy", "", "delete", kmsg.ConfigTypeList},
	{"compression.type", "", "producer", kmsg.ConfigTypeString},
	{"delete.retention.ms", "", "86400000", kmsg.ConfigTypeLong},
	{"max.message.bytes", "message.max.bytes", "1048588", kmsg.ConfigTypeInt},
	{"message.timestamp.type", "", "CreateTime", kmsg.ConfigTypeString},
	{"min.insync.replicas", "", "1", kmsg.ConfigTypeInt},
	{"retention.bytes", "log.retention.bytes", "-1", kmsg.ConfigTypeLong},
	{"retention.ms", "log.retention.ms", "604800000", kmsg.ConfigTypeLong},
	{"segment.bytes", "log.segment.bytes", "104857600", kmsg.ConfigTypeInt},
}

// describeSentinel is a topic name no topic can have (refuseInvalidTopicNames
// refuses it): it marks describeConfigs' own request to the broker, which
// the control lets kfake answer.
const describeSentinel = "\x00eddy-describe-configs"

// describeConfigs answers DescribeConfigs as Kafka does. kfake answers a
// topic with its built-in defaults (retention.ms 604800000 on a broker
// started with --kafka-retention 24h, segment.bytes 104857600 where
// segments are 8 MB) and lists broker names (log.retention.ms,
// log.segment.bytes) among a topic's settings. Here a topic lists topic
// names only, each with the value the broker applies to it and where
// that comes from: DYNAMIC_TOPIC_CONFIG (set on the topic),
// STATIC_BROKER_CONFIG (what eddy set at start, static holds it under
// Kafka's broker names), DYNAMIC_BROKER_CONFIG (changed since with an
// admin client) or DEFAULT_CONFIG; with synonyms when asked. A broker
// resource is kfake's answer with eddy's own settings marked static and
// given their value.
//
// The broker's dynamic settings are kfake's alone, so the control asks
// for them with a request of its own (marked by describeSentinel) over
// cl while the request it controls sleeps.
func describeConfigs(c *kfake.Cluster, cl *kgo.Client, static map[string]string, logf func(string, ...any)) func(kmsg.Request) (kmsg.Response, error, bool) {
	return func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl() // a handled control is dropped otherwise
		r, ok := req.(*kmsg.DescribeConfigsRequest)
		if !ok {
			return nil, nil, false
		}
		for _, rr := range r.Resources {
			switch rr.ResourceType {
			case kmsg.ConfigResourceTypeTopic:
				if rr.ResourceName == describeSentinel {
					return nil, nil, false
				}
			case kmsg.ConfigResourceTypeBroker:
			default:
				return nil, nil, false // kfake's to answer (client metrics, groups)
			}
		}
		node := strconv.Itoa(int(c.CurrentNode()))
		// Ask kfake for all its broker settings, in a request kgo
		// sends whole (a broker resource named by its id would go in
		// a request of its own, without the mark).
		own := kmsg.NewPtrDescribeConfigsRequest()
		own.IncludeSynonyms = true
		all := kmsg.NewDescribeConfigsRequestResource()
		all.ResourceType = kmsg.ConfigResourceTypeBroker
		mark := kmsg.NewDescribeConfigsRequestResource()
		mark.ResourceType, mark.ResourceName = kmsg.ConfigResourceTypeTopic, describeSentinel
		own.Resources = append(own.Resources, all, mark)
		answer := make(chan *kmsg.DescribeConfigsResponse, 1)
		failed := make(chan error, 1)
		c.SleepControl(func() {
			ctx, cancel := context.WithTimeout(context.Background(), DefaultTimeout)
			defer cancel()
			resp, err := own.RequestWith(ctx, cl)
			if err != nil {
				failed <- err
				return
			}
			answer <- resp
		})
		var got *kmsg.DescribeConfigsResponse
		select {
		case got = <-answer:
		case err := <-failed:
			logf("embedded broker: describe configs: ask own broker settings: %v (answering kfake's defaults)", err)
			return nil, nil, false
		default:
			return nil, nil, false // the broker is closing
		}
		var broker *kmsg.DescribeConfigsResponseResource
		for i, gr := range got.Resources {
			if gr.ResourceType == kmsg.ConfigResourceTypeBroker && gr.ErrorCode == 0 {
				broker = &got.Resources[i]
			}
		}
		if broker == nil {
			return nil, nil, false
		}
		dynamic := map[string]string{}
		for _, e := range broker.Configs {
			if e.Source == kmsg.ConfigSourceDynamicBrokerConfig && e.Value != nil {
				dynamic[e.Name] = *e.Value
			}
		}

		resp := r.ResponseKind().(*kmsg.DescribeConfigsResponse)
		for _, rr := range r.Resources {
			switch rr.ResourceType {
			case kmsg.ConfigResourceTypeBroker:
				resp.Resources = append(resp.Resources, brokerResource(*broker, rr, node, static, r.IncludeSynonyms))
			case kmsg.ConfigResourceTypeTopic:
				resp.Resources = append(resp.Resources, topicResource(c, rr, dynamic, static, r.IncludeSynonyms))
			}
		}
		return resp, nil, true
	}
}

// brokerResource answers broker resource rr of this broker (node) from
// all, kfake's answer for all brokers: the settings rr asks for, those
// that eddy set at start (static) marked STATIC_BROKER_CONFIG, as
// kfake answers rr otherwise (broker.id first when named by its id).
func brokerResource(all kmsg.DescribeConfigsResponseResource, rr kmsg.DescribeConfigsRequestResource, node string, static map[string]string, synonyms bool) kmsg.DescribeConfigsResponseResource {
	gr := kmsg.NewDescribeConfigsResponseResource()
	gr.ResourceType, gr.ResourceName = rr.ResourceType, rr.ResourceName
	if rr.ResourceName != "" && rr.ResourceName != node {
		gr.ErrorCode = kerr.InvalidRequest.Code
		return gr
	}
	if rr.ResourceName != "" && asked(rr, "broker.id") {
		e := kmsg.NewDescribeConfigsResponseResourceConfig()
		e.Name, e.Value, e.Source, e.ReadOnly = "broker.id", &node, kmsg.ConfigSourceStaticBrokerConfig, true
		e.IsDefault, e.ConfigType = true, kmsg.ConfigTypeInt
		e.ConfigSynonyms = []kmsg.DescribeConfigsResponseResourceConfigConfigSynonym{synonym("broker.id", node, kmsg.ConfigSourceStaticBrokerConfig)}
		gr.Configs = append(gr.Configs, e)
	}
	for _, e := range all.Configs {
		if asked(rr, e.Name) {
			e.ConfigSynonyms = slices.Clone(e.ConfigSynonyms)
			gr.Configs = append(gr.Configs, e)
		}
	}
	listed := map[string]bool{}
	for i := range gr.Configs {
		e := &gr.Configs[i]
		listed[e.Name] = true
		v, ok := static[e.Name]
		if !ok {
			continue
		}
		switch {
		case e.Source == kmsg.ConfigSourceStaticBrokerConfig:
			// A value kfake reports for every broker it runs.
			e.ConfigSynonyms = []kmsg.DescribeConfigsResponseResourceConfigConfigSynonym{synonym(e.Name, v, kmsg.ConfigSourceStaticBrokerConfig)}
			e.Value = &v
		case e.Source == kmsg.ConfigSourceDefaultConfig:
			// kfake's option (not a broker setting of its own).
			e.ConfigSynonyms = append([]kmsg.DescribeConfigsResponseResourceConfigConfigSynonym{synonym(e.Name, v, kmsg.ConfigSourceStaticBrokerConfig)}, e.ConfigSynonyms...)
			e.Value, e.Source, e.IsDefault = &v, kmsg.ConfigSourceStaticBrokerConfig, false
		case e.Source == kmsg.ConfigSourceDynamicBrokerConfig && e.Value != nil && *e.Value == v:
			e.Source = kmsg.ConfigSourceStaticBrokerConfig
			for j := range e.ConfigSynonyms {
				if e.ConfigSynonyms[j].Source == kmsg.ConfigSourceDynamicBrokerConfig {
					e.ConfigSynonyms[j].Source = kmsg.ConfigSourceStaticBrokerConfig
				}
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(static)) {
		if listed[name] || !asked(rr, name) {
			continue
		}
		v := static[name]
		e := kmsg.NewDescribeConfigsResponseResourceConfig()
		e.Name, e.Value, e.Source = name, &v, kmsg.ConfigSourceStaticBrokerConfig
		e.ConfigType = staticKinds[name]
		e.ConfigSynonyms = []kmsg.DescribeConfigsResponseResourceConfigConfigSynonym{synonym(name, v, kmsg.ConfigSourceStaticBrokerConfig)}
		gr.Configs = append(gr.Configs, e)
	}
	if !synonyms {
		for i := range gr.Configs {
			gr.Configs[i].ConfigSynonyms = nil
		}
	}
	return gr
}

// staticKinds are the kinds of eddy's start settings kfake does not list.
var staticKinds = map[string]kmsg.ConfigType{
	"auto.create.topics.enable": kmsg.ConfigTypeBoolean,
	"num.partitions":            kmsg.ConfigTypeInt,
}

// topicResource answers topic rr: each of topicSettings and each other
// setting stored on the topic, with the value the broker applies.
func topicResource(c *kfake.Cluster, rr kmsg.DescribeConfigsRequestResource, dynamic, static map[string]string, synonyms bool) kmsg.DescribeConfigsResponseResource {
	out := kmsg.NewDescribeConfigsResponseResource()
	out.ResourceType, out.ResourceName = rr.ResourceType, rr.ResourceName
	// TopicInfo runs on the broker's loop, which serves it while a
	// control runs.
	ti := c.TopicInfo(rr.ResourceName)
	if ti == nil {
		out.ErrorCode = kerr.UnknownTopicOrPartition.Code
		return out
	}
	known := map[string]bool{}
	for _, s := range topicSettings {
		known[s.name] = true
		if !asked(rr, s.name) {
			continue
		}
		var syns []kmsg.DescribeConfigsResponseResourceConfigConfigSynonym
		if v := ti.Configs[s.name]; v != nil {
			syns = append(syns, synonym(s.name, *v, kmsg.ConfigSourceDynamicTopicConfig))
		}
		if s.broker != "" {
			sv, isStatic := static[s.broker]
			if v, ok := dynamic[s.broker]; ok {
				if isStatic && v == sv {
					syns = append(syns, synonym(s.broker, v, kmsg.ConfigSourceStaticBrokerConfig))
				} else {
					syns = append(syns, synonym(s.broker, v, kmsg.ConfigSourceDynamicBrokerConfig))
					if isStatic {
						syns = append(syns, synonym(s.broker, sv, kmsg.ConfigSourceStaticBrokerConfig))
					}
				}
			}
			// kfake always holds the start settings (keepStartSettings
			// keeps them through a replace and a DELETE); a static one
			// missing from kfake's would not apply.
		}
		defName := s.name
		if s.broker != "" {
			defName = s.broker
		}
		syns = append(syns, synonym(defName, s.def, kmsg.ConfigSourceDefaultConfig))
		out.Configs = append(out.Configs, topicEntry(s.name, s.kind, syns, synonyms))
	}
	for _, name := range slices.Sorted(maps.Keys(ti.Configs)) {
		v := ti.Configs[name]
		if known[name] || v == nil || strings.HasPrefix(name, "kfake.") || !asked(rr, name) {
			continue
		}
		kind := kmsg.ConfigTypeString
		switch topicConfigChecks[name].kind {
		case "INT":
			kind = kmsg.ConfigTypeInt
		case "LONG":
			kind = kmsg.ConfigTypeLong
		case "DOUBLE":
			kind = kmsg.ConfigTypeDouble
		case "BOOLEAN":
			kind = kmsg.ConfigTypeBoolean
		case "list":
			kind = kmsg.ConfigTypeList
		}
		syns := []kmsg.DescribeConfigsResponseResourceConfigConfigSynonym{synonym(name, *v, kmsg.ConfigSourceDynamicTopicConfig)}
		out.Configs = append(out.Configs, topicEntry(name, kind, syns, synonyms))
	}
	return out
}

// topicEntry is a setting whose value and source are those of the first
// of syns, the ones it overrides following.
func topicEntry(name string, kind kmsg.ConfigType, syns []kmsg.DescribeConfigsResponseResourceConfigConfigSynonym, synonyms bool) kmsg.DescribeConfigsResponseResourceConfig {
	e := kmsg.NewDescribeConfigsResponseResourceConfig()
	e.Name, e.Value, e.Source = name, syns[0].Value, syns[0].Source
	e.IsDefault = e.Source == kmsg.ConfigSourceDefaultConfig
	e.ConfigType = kind
	if synonyms {
		e.ConfigSynonyms = syns
	}
	return e
}

func synonym(name, value string, src kmsg.ConfigSource) kmsg.DescribeConfigsResponseResourceConfigConfigSynonym {
	s := kmsg.NewDescribeConfigsResponseResourceConfigConfigSynonym()
	s.Name, s.Value, s.Source = name, &value, src
	return s
}

// asked tells whether rr asks for setting name (all when it names none).
func asked(rr kmsg.DescribeConfigsRequestResource, name string) bool {
	if rr.ConfigNames == nil {
		return true
	}
	for _, n := range rr.ConfigNames {
		if n == name {
			return true
		}
	}
	return false
}
