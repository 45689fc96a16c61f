package main

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/eddysql/eddy/internal/javaprops"
	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/serde"
	"github.com/eddysql/eddy/server"
)

// kafkaConfig is what --kafka-config sets on eddy's Kafka clients, under
// the Kafka client property names ksqlDB users write in
// ksql-server.properties (with or without ksql.streams.).
type kafkaConfig map[string]string

func (k kafkaConfig) String() string {
	parts := make([]string, 0, len(k))
	for name := range k {
		parts = append(parts, name+"=…") // values may be secrets
	}
	return strings.Join(parts, ",")
}

func (k kafkaConfig) Set(s string) error {
	name, value, ok := strings.Cut(s, "=")
	name = strings.TrimSpace(name)
	if !ok || name == "" {
		return errors.New("want name=value")
	}
	if slices.Contains(kafka.CompressionSettings(), name) {
		if err := kafka.CheckCompression(value); err != nil {
			return err
		}
	} else if !kafka.IsSecurityProperty(name) {
		return fmt.Errorf("%q is not a Kafka client setting eddy takes (security.protocol, sasl.*, ssl.*, compression.type)", name)
	}
	k[name] = strings.TrimSpace(value)
	return nil
}

// readProperties reads a Java properties file (ksql-server.properties).
func readProperties(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("config file: %w", err)
	}
	defer f.Close()
	props, err := javaprops.Parse(f)
	if err != nil {
		return nil, fmt.Errorf("config file %s: %w", path, err)
	}
	return props, nil
}

// kafkaClient resolves what the Kafka client settings say: the bootstrap
// servers (the flag, else bootstrap.servers in --config-file) and the
// security of eddy's clients of them. The embedded broker has its own
// (--auth-file), so settings for it are an error rather than ignored.
func (c *config) kafkaClient() (brokers []string, sec kafka.Security, err error) {
	props, err := c.fileProperties()
	if err != nil {
		return nil, sec, err
	}
	brokers = splitList(c.bootstrapServers)
	if len(brokers) == 0 {
		brokers = splitList(props["bootstrap.servers"])
	}
	if len(brokers) == 0 {
		brokers = splitList(props[kafka.StreamsPrefix+"bootstrap.servers"])
	}
	for k, v := range c.kafka {
		props[k] = v
	}
	if sec, err = kafka.ParseSecurity(props); err != nil {
		return nil, sec, fmt.Errorf("Kafka client settings: %w", err)
	}
	if len(brokers) == 0 && sec.Protocol() != "PLAINTEXT" {
		return nil, sec, fmt.Errorf("security.protocol %s is for an external Kafka (--bootstrap-servers); the embedded broker requires SASL when --auth-file is given", sec.Protocol())
	}
	return brokers, sec, nil
}

// compression is the compression.type of eddy's producers: --kafka-config's,
// else --config-file's (under any name in kafka.CompressionSettings()),
// else none, as ksqlDB's producers default to.
func (c *config) compression() (string, error) {
	props, err := c.fileProperties()
	if err != nil {
		return "", err
	}
	for _, from := range []map[string]string{c.kafka, props} {
		for _, name := range kafka.CompressionSettings() {
			if v, ok := from[name]; ok {
				if err := kafka.CheckCompression(v); err != nil {
					return "", fmt.Errorf("%s: %w", name, err)
				}
				return strings.TrimSpace(v), nil
			}
		}
	}
	return "", nil
}

// fileProperties are --config-file's settings, none without one.
func (c *config) fileProperties() (map[string]string, error) {
	if c.configFile == "" {
		return map[string]string{}, nil
	}
	return readProperties(c.configFile)
}

// queryProperties are --config-file's server-wide query settings
// (processing.guarantee, cache.max.bytes.buffering, auto.offset.reset,
// …, bare or ksql.streams.-prefixed), lower-cased as the engine wants
// them; the connection settings (bootstrap.servers, security, the
// Schema Registry's) stay out.
func (c *config) queryProperties() (map[string]string, error) {
	props, err := c.fileProperties()
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for k, v := range props {
		name := strings.ToLower(k)
		bare := strings.TrimPrefix(name, "ksql.streams.")
		switch {
		case bare == "bootstrap.servers", strings.HasPrefix(bare, "security."), strings.HasPrefix(bare, "sasl."),
			strings.HasPrefix(bare, "ssl."), strings.HasPrefix(bare, "enable.ssl."), strings.HasPrefix(name, "ksql.schema.registry."),
			slices.Contains(kafka.CompressionSettings(), name), name == queriesFileProperty:
			continue
		}
		out[name] = v
	}
	return out, nil
}

// queriesFileProperty names the queries file in --config-file, as in
// ksql-server.properties; eddy server's --queries-file overrides it.
const queriesFileProperty = "ksql.queries.file"

// registryClient is the external Schema Registry's URL (the flag, else
// ksql.schema.registry.url in --config-file) and the basic-auth user
// ksqlDB's ksql.schema.registry.basic.auth.* settings give, if any.
func (c *config) registryClient() (url string, opts []serde.HTTPOption, err error) {
	props, err := c.fileProperties()
	if err != nil {
		return "", nil, err
	}
	url = c.registryURL
	if url == "" {
		url = props["ksql.schema.registry.url"]
	}
	const prefix = "ksql.schema.registry.basic.auth."
	switch src := props[prefix+"credentials.source"]; strings.ToUpper(src) {
	case "", "USER_INFO":
	default:
		return "", nil, fmt.Errorf("%scredentials.source %q is not supported: use USER_INFO with %suser.info=user:password", prefix, src, prefix)
	}
	if info := props[prefix+"user.info"]; info != "" {
		user, pass, ok := strings.Cut(info, ":")
		if !ok || user == "" {
			return "", nil, fmt.Errorf("%suser.info: want user:password", prefix)
		}
		opts = append(opts, serde.WithBasicAuth(user, pass))
	}
	return url, opts, nil
}

// loadUsers reads --auth-file, refusing one others may read.
func (c *config) loadUsers() error {
	if c.authFile == "" {
		return nil
	}
	users, err := server.LoadAuthFile(c.authFile)
	if err != nil {
		return err
	}
	c.users = users
	return nil
}
