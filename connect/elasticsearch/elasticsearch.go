// Package elasticsearch is the Elasticsearch sink connector, compatible
// with Confluent's io.confluent.connect.elasticsearch.ElasticsearchSinkConnector:
// the same options and defaults, one index per topic (lower-cased), bulk
// writes through github.com/olivere/elastic/v7, document ids from record
// keys, mappings from record schemas.
package elasticsearch

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/olivere/elastic/v7"

	"github.com/eddysql/eddy/connect"
	"github.com/eddysql/eddy/connect/internal/options"
)

// Class is the Kafka Connect class name.
const Class = "io.confluent.connect.elasticsearch.ElasticsearchSinkConnector"

// Option names.
const (
	optURL            = "connection.url"
	optUsername       = "connection.username"
	optPassword       = "connection.password"
	optConnTimeout    = "connection.timeout.ms"
	optReadTimeout    = "read.timeout.ms"
	optKeyIgnore      = "key.ignore"
	optTopicKeyIgnore = "topic.key.ignore"
	optSchemaIgnore   = "schema.ignore"
	optTopicSchemaIgn = "topic.schema.ignore"
	optTypeName       = "type.name"
	optCompactMaps    = "compact.map.entries"
	optNullValues     = "behavior.on.null.values"
	optMalformed      = "behavior.on.malformed.documents"
	optWriteMethod    = "write.method"
	optBatchSize      = "batch.size"
	optLingerMs       = "linger.ms"
	optMaxRetries     = "max.retries"
	optRetryBackoffMs = "retry.backoff.ms"
	optFlushTimeoutMs = "flush.timeout.ms"
	optMaxInFlight    = "max.in.flight.requests"
	optMaxBuffered    = "max.buffered.records"
	optDropInvalidMsg = "drop.invalid.message"
	optIndexMap       = "topic.index.map"
	writeUpsert       = "upsert"
)

// spec is the connector's configuration, with Confluent's names and
// defaults.
var spec = []connect.ConfigField{
	{Name: optURL, Type: connect.TypeList, Required: true, Doc: "Elasticsearch HTTP URLs, comma-separated, e.g. http://localhost:9200. Requests go round-robin over them. Credentials may be given in the URL (http://user:pass@host:9200) or with connection.username/password. A URL with a path (http://host:4080/es) is used as the API's base."},
	{Name: optUsername, Type: connect.TypeString, Doc: "User name for HTTP basic authentication."},
	{Name: optPassword, Type: connect.TypePassword, Doc: "Password for HTTP basic authentication."},
	{Name: optConnTimeout, Type: connect.TypeInt, Default: "1000", Doc: "Milliseconds to wait for a TCP connection to Elasticsearch."},
	{Name: optReadTimeout, Type: connect.TypeInt, Default: "3000", Doc: "Milliseconds to wait for the answer to one request (index creation, a bulk request) before it counts as failed and is retried."},
	{Name: optKeyIgnore, Type: connect.TypeBoolean, Default: "false", Doc: "false: the document id is the record key, which must be a string or an integer (a struct key is rejected, as by Confluent's connector: extract a field with ExtractField$Key); re-writing a key replaces its document. true: the id is topic+partition+offset, so a record re-delivered after a restart still lands once."},
	{Name: optTopicKeyIgnore, Type: connect.TypeList, Doc: "Topics for which key.ignore=true applies whatever key.ignore says."},
	{Name: optSchemaIgnore, Type: connect.TypeBoolean, Default: "false", Doc: "false: when a record value has a struct schema and its index does not exist, the index is created with a mapping from that schema (TIMESTAMP/DATE/TIME to date, DECIMAL to scaled_float or keyword, INT8..INT64 to byte/short/integer/long, FLOAT32/64 to float/double, STRING to text with a keyword sub-field, BYTES to binary, BOOLEAN to boolean, STRUCT to properties). true: no mapping is created; Elasticsearch infers one."},
	{Name: optTopicSchemaIgn, Type: connect.TypeList, Doc: "Topics for which schema.ignore=true applies whatever schema.ignore says."},
	{Name: optTypeName, Type: connect.TypeString, Doc: "Document type written as _type in bulk requests, for Elasticsearch 6 and older. Leave empty for Elasticsearch 7 and later, which have no types."},
	{Name: optCompactMaps, Type: connect.TypeBoolean, Default: "true", Doc: "true: a map with string keys is written as a JSON object; false: as an array of {\"key\": k, \"value\": v} objects."},
	{Name: optNullValues, Type: connect.TypeString, Default: "fail", Enum: []string{"ignore", "delete", "fail"}, Doc: "What a record with a null value (a tombstone) does: ignore skips it; delete deletes the document with the record's id; fail rejects the record (errors.tolerance then decides)."},
	{Name: optMalformed, Type: connect.TypeString, Default: "fail", Enum: []string{"ignore", "warn", "fail"}, Doc: "What a document Elasticsearch refuses for good (a mapping or parse error) does: ignore skips it; warn skips it and logs the reason; fail rejects the record (errors.tolerance then decides: none fails the task, all sends it to the dead letter topic). The batch's other documents are written either way."},
	{Name: optWriteMethod, Type: connect.TypeString, Default: "insert", Enum: []string{"insert", "upsert"}, Doc: "insert: each record's document replaces any with the same id (bulk index). upsert: the record's fields are merged into the existing document, created if missing (bulk update with doc_as_upsert). ZincSearch's bulk API does not implement update (it stores the request body {\"doc\": …, \"doc_as_upsert\": true} as the document): use insert there."},
	{Name: optBatchSize, Type: connect.TypeInt, Default: "2000", Doc: "Most documents in one bulk request."},
	{Name: optLingerMs, Type: connect.TypeLong, Default: "1", Doc: "Accepted for compatibility. The runtime hands the sink the records of each consumer poll at once and they are written in bulk requests of up to batch.size right away, so there is nothing to linger for."},
	{Name: optMaxRetries, Type: connect.TypeInt, Default: "5", Doc: "Times a failed bulk request (connection refused, timeout, HTTP 429 or 5xx) is retried, with backoff, before the write fails; the runtime then retries the whole batch with its own backoff, so a record is never skipped."},
	{Name: optRetryBackoffMs, Type: connect.TypeLong, Default: "100", Doc: "Milliseconds before the first retry of a failed request; each further retry waits twice as long, with jitter."},
	{Name: optFlushTimeoutMs, Type: connect.TypeLong, Default: "180000", Doc: "Longest time, in milliseconds, that writing one batch of records (all its bulk requests and retries) may take before it fails and is retried by the runtime."},
	{Name: optMaxInFlight, Type: connect.TypeInt, Default: "5", Doc: "Most bulk requests sent at once. Requests run one at a time when two documents of the batch share an id, so the last write of an id always wins."},
	{Name: optMaxBuffered, Type: connect.TypeInt, Default: "20000", Doc: "Accepted for compatibility; records are not buffered beyond the batch being written."},
	{Name: optDropInvalidMsg, Type: connect.TypeBoolean, Default: "false", Doc: "true: a record that cannot become a document (an unsupported key type, a null key with key.ignore=false, a NaN) is skipped with a log line instead of being rejected."},
	{Name: optIndexMap, Type: connect.TypeList, Doc: "Deprecated Confluent option: topic:index pairs, comma-separated, naming the index of a topic (default: the topic lower-cased)."},
}

// Register adds the Elasticsearch sink to r.
func Register(r *connect.Registry) {
	r.Register(&connect.Plugin{
		Class:   Class,
		Aliases: []string{"elasticsearch"},
		Kind:    connect.Sink,
		Version: "1.0.0",
		Doc: "Writes records to Elasticsearch as documents, one index per topic (the topic name lower-cased), in bulk requests, through the olivere/elastic v7 client with sniffing and health checks off (so it also talks to API-compatible services: it is tested against ZincSearch's; Elasticsearch 8 and OpenSearch are not tested here). " +
			"A record's key becomes the document id (or topic+partition+offset with key.ignore=true), a null value can delete its document, and an index is created with a mapping from the record schema. " +
			"A document the server refuses is reported per record while the others are written; a server that is down is retried with backoff and no record is skipped. " +
			"ZincSearch 0.4 indexes through a write-ahead log a few seconds behind its bulk API and answers a delete of a document still in that log as done without deleting it, so there a delete that follows its document's write within seconds can be lost (Elasticsearch applies a bulk request's writes in order).",
		Spec:     spec,
		Validate: validate,
		NewSink:  func(cfg connect.Config) (connect.SinkTask, error) { return newTask(cfg) },
	})
}

// settings is a parsed configuration.
type settings struct {
	urls            []string
	username        string
	password        string
	connTimeout     time.Duration
	readTimeout     time.Duration
	keyIgnore       bool
	keyIgnoreTopics map[string]bool
	schemaIgnore    bool
	schemaIgnTopics map[string]bool
	typeName        string
	compactMaps     bool
	nullValues      string
	malformed       string
	upsert          bool
	batchSize       int
	maxRetries      int
	retryBackoff    time.Duration
	flushTimeout    time.Duration
	maxInFlight     int
	dropInvalid     bool
	indexMap        map[string]string
}

func parse(cfg connect.Config) (*settings, error) {
	r := options.New(cfg, spec)
	s := &settings{
		urls:            r.List(optURL),
		username:        r.String(optUsername),
		password:        r.String(optPassword),
		connTimeout:     time.Duration(r.Int(optConnTimeout)) * time.Millisecond,
		readTimeout:     time.Duration(r.Int(optReadTimeout)) * time.Millisecond,
		keyIgnore:       r.Bool(optKeyIgnore),
		keyIgnoreTopics: set(r.List(optTopicKeyIgnore)),
		schemaIgnore:    r.Bool(optSchemaIgnore),
		schemaIgnTopics: set(r.List(optTopicSchemaIgn)),
		typeName:        r.String(optTypeName),
		compactMaps:     r.Bool(optCompactMaps),
		nullValues:      r.OneOf(optNullValues, "ignore", "delete", "fail"),
		malformed:       r.OneOf(optMalformed, "ignore", "warn", "fail"),
		upsert:          r.OneOf(optWriteMethod, "insert", writeUpsert) == writeUpsert,
		batchSize:       int(r.Int(optBatchSize)),
		maxRetries:      int(r.Int(optMaxRetries)),
		retryBackoff:    time.Duration(r.Int(optRetryBackoffMs)) * time.Millisecond,
		flushTimeout:    time.Duration(r.Int(optFlushTimeoutMs)) * time.Millisecond,
		maxInFlight:     int(r.Int(optMaxInFlight)),
		dropInvalid:     r.Bool(optDropInvalidMsg),
		indexMap:        map[string]string{},
	}
	if len(s.urls) == 0 {
		r.Fail("Missing required configuration %q which has no default value.", optURL)
	}
	for _, u := range s.urls {
		if p, err := url.Parse(u); err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			r.Fail("Invalid value %s for configuration %s: not an http(s) URL", redact(u), optURL)
		}
	}
	if s.batchSize < 1 {
		r.Fail("Invalid value %d for configuration %s: must be at least 1", s.batchSize, optBatchSize)
	}
	if s.maxInFlight < 1 {
		s.maxInFlight = 1
	}
	if s.readTimeout <= 0 {
		s.readTimeout = 3 * time.Second
	}
	if s.connTimeout <= 0 {
		s.connTimeout = time.Second
	}
	if s.flushTimeout <= 0 {
		s.flushTimeout = 3 * time.Minute
	}
	for _, pair := range r.List(optIndexMap) {
		topic, index, ok := strings.Cut(pair, ":")
		if !ok || topic == "" || index == "" {
			r.Fail("Invalid value %s for configuration %s: expected topic:index pairs", pair, optIndexMap)
			continue
		}
		s.indexMap[topic] = index
	}
	if err := r.Err(); err != nil {
		return nil, err
	}
	return s, nil
}

func set(items []string) map[string]bool {
	m := make(map[string]bool, len(items))
	for _, it := range items {
		m[it] = true
	}
	return m
}

// index names a topic's index: lower-cased, as Elasticsearch requires.
func (s *settings) index(topic string) string {
	if ix, ok := s.indexMap[topic]; ok {
		return strings.ToLower(ix)
	}
	return strings.ToLower(topic)
}

// newClient builds an olivere client for the URLs. Sniffing (which asks
// the cluster for its nodes' publish addresses, unreachable from outside
// a container and absent from compatible services such as ZincSearch)
// and the periodic health check are off: the connector talks to the URLs
// it was given and retries failures itself.
func (s *settings) newClient() (*elastic.Client, error) {
	dialer := &net.Dialer{Timeout: s.connTimeout}
	hc := &http.Client{Transport: &http.Transport{
		DialContext:         dialer.DialContext,
		MaxIdleConnsPerHost: 2 * s.maxInFlight,
	}}
	opts := []elastic.ClientOptionFunc{
		elastic.SetURL(s.urls...),
		elastic.SetSniff(false),
		elastic.SetHealthcheck(false),
		elastic.SetHttpClient(hc),
	}
	if s.username != "" || s.password != "" {
		opts = append(opts, elastic.SetBasicAuth(s.username, s.password))
	}
	c, err := elastic.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("elasticsearch client for %s: %w", redactAll(s.urls), err)
	}
	return c, nil
}

// validate checks that every connection.url answers, at CREATE time.
func validate(ctx context.Context, cfg connect.Config) error {
	s, err := parse(cfg)
	if err != nil {
		return err
	}
	c, err := s.newClient()
	if err != nil {
		return err
	}
	defer c.Stop()
	timeout := s.readTimeout
	if timeout < 5*time.Second {
		timeout = 5 * time.Second
	}
	for _, u := range s.urls {
		pctx, cancel := context.WithTimeout(ctx, timeout)
		_, code, err := c.Ping(u).Do(pctx)
		cancel()
		if err != nil {
			if code != 0 {
				return fmt.Errorf("Elasticsearch at %s answered HTTP %d: %v", redact(u), code, err)
			}
			return fmt.Errorf("Elasticsearch at %s does not answer: %v", redact(u), err)
		}
	}
	// The root answers without credentials on some servers; an index
	// lookup does not, so wrong credentials show here, not at the first write.
	pctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if _, err := c.IndexExists("eddy-connection-check").Do(pctx); err != nil {
		var ee *elastic.Error
		if errors.As(err, &ee) && (ee.Status == 401 || ee.Status == 403) {
			return fmt.Errorf("Elasticsearch at %s refused the credentials (HTTP %d); check connection.username/connection.password or the user:password in the URL", redactAll(s.urls), ee.Status)
		}
		return fmt.Errorf("Elasticsearch at %s: %v", redactAll(s.urls), err)
	}
	return nil
}

// redact hides a URL's password.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "<unparsable URL>"
	}
	return u.Redacted()
}

func redactAll(urls []string) string {
	out := make([]string, len(urls))
	for i, u := range urls {
		out[i] = redact(u)
	}
	return strings.Join(out, ",")
}
