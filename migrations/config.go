package migrations

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/eddysql/eddy/internal/javaprops"
)

// The keys of ksql-migrations.properties, as ksqlDB's tool names them.
const (
	keyServerURL      = "ksql.server.url"
	keyUser           = "ksql.auth.basic.username"
	keyPassword       = "ksql.auth.basic.password"
	keyTrustStore     = "ssl.truststore.location"
	keyTrustStorePass = "ssl.truststore.password"
	keyKeyStore       = "ssl.keystore.location"
	keyKeyStorePass   = "ssl.keystore.password"
	keyKeyPass        = "ssl.key.password"
	keyKeyAlias       = "ssl.key.alias"
	keyALPN           = "ssl.alpn"
	keyVerifyHost     = "ssl.verify.host"
	keyStreamName     = "ksql.migrations.stream.name"
	keyTableName      = "ksql.migrations.table.name"
	keyStreamTopic    = "ksql.migrations.stream.topic.name"
	keyTableTopic     = "ksql.migrations.table.topic.name"
	keyReplicas       = "ksql.migrations.topic.replicas"
	keyDirOverride    = "ksql.migrations.dir.override"

	defaultStreamName = "MIGRATION_EVENTS"
	defaultTableName  = "MIGRATION_SCHEMA_VERSIONS"

	// configFileName and migrationsDirName are the layout new-project
	// makes; the directory is found next to the config file.
	configFileName    = "ksql-migrations.properties"
	migrationsDirName = "migrations"
)

// config is a loaded ksql-migrations.properties.
type config struct {
	path  string            // the file it was read from
	props map[string]string // as written
}

// loadConfig reads a properties file. The server URL is required, as
// ksqlDB's tool requires it.
func loadConfig(path string) (*config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("Failed to load properties file %s: %w", path, err)
	}
	defer f.Close()
	props, err := javaprops.Parse(f)
	if err != nil {
		return nil, fmt.Errorf("Failed to load properties file %s: %w", path, err)
	}
	if _, ok := props[keyServerURL]; !ok {
		return nil, fmt.Errorf("Missing required property: %s", keyServerURL)
	}
	return &config{path: path, props: props}, nil
}

// get is a property, or def when it is unset or empty.
func (c *config) get(key, def string) string {
	if v := strings.TrimSpace(c.props[key]); v != "" {
		return v
	}
	return def
}

func (c *config) serverURL() string  { return strings.TrimSpace(c.props[keyServerURL]) }
func (c *config) streamName() string { return c.get(keyStreamName, defaultStreamName) }
func (c *config) tableName() string  { return c.get(keyTableName, defaultTableName) }

// streamTopic and tableTopic default to '<service id>ksql_<name>', as in
// ksqlDB, where the service id is the server's (from /info).
func (c *config) streamTopic(serviceID string) string {
	return c.get(keyStreamTopic, serviceID+"ksql_"+c.streamName())
}

func (c *config) tableTopic(serviceID string) string {
	return c.get(keyTableTopic, serviceID+"ksql_"+c.tableName())
}

func (c *config) replicas() (int, error) {
	v := c.get(keyReplicas, "1")
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("Invalid value %s for configuration %s: Not a number of type INT", v, keyReplicas)
	}
	return n, nil
}

// boolean is a true/false property; anything else is an error, as
// Kafka's config parsing makes it.
func (c *config) boolean(key string, def bool) (bool, error) {
	v := c.get(key, strconv.FormatBool(def))
	switch strings.ToLower(v) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, fmt.Errorf("Invalid value %s for configuration %s: Expected value to be either true or false", v, key)
}

// migrationsDir is the override, else 'migrations' beside the config
// file.
func (c *config) migrationsDir() string {
	if d := c.get(keyDirOverride, ""); d != "" {
		return d
	}
	return filepath.Join(filepath.Dir(c.path), migrationsDirName)
}

// initialConfig is what new-project writes: the server URL, then each
// optional key commented out with its default, in ksqlDB's groups. The
// topic defaults show ksqlDB's placeholder service id, as its tool does.
func initialConfig(serverURL string) string {
	const placeholderID = "ksql-service-id"
	groups := []struct {
		header string
		keys   [][2]string
	}{
		{"Migrations metadata configs", [][2]string{
			{keyStreamName, defaultStreamName},
			{keyTableName, defaultTableName},
			{keyStreamTopic, placeholderID + "ksql_" + defaultStreamName},
			{keyTableTopic, placeholderID + "ksql_" + defaultTableName},
			{keyReplicas, "1"},
		}},
		{"TLS configs", [][2]string{
			{keyTrustStore, ""}, {keyTrustStorePass, ""}, {keyKeyStore, ""}, {keyKeyStorePass, ""},
			{keyKeyPass, ""}, {keyKeyAlias, ""}, {keyALPN, "false"}, {keyVerifyHost, "true"},
		}},
		{"ksqlDB server authentication configs", [][2]string{{keyUser, ""}, {keyPassword, ""}}},
		{"Migrations directory configs", [][2]string{{keyDirOverride, ""}}},
	}
	var b strings.Builder
	b.WriteString(keyServerURL + "=" + serverURL)
	for _, g := range groups {
		b.WriteString("\n\n# " + g.header + ":")
		for _, kv := range g.keys {
			b.WriteString("\n# " + kv[0] + "=" + kv[1])
		}
	}
	return b.String()
}
