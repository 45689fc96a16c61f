package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
	"golang.org/x/crypto/bcrypt"

	"github.com/eddysql/eddy/internal/testcert"
	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/metastore"
	"github.com/eddysql/eddy/registry"
)

// writeAuthFile writes an auth file with ann:s3cret, in mode perm.
func writeAuthFile(t *testing.T, dir string, perm os.FileMode) string {
	t.Helper()
	hash, err := bcrypt.GenerateFromPassword([]byte("s3cret"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "users")
	if err := os.WriteFile(path, []byte("ann:"+string(hash)+"\n"), perm); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, perm); err != nil { // past the umask
		t.Fatal(err)
	}
	return path
}

// TestAuthFileMode: the shell and the server refuse an auth file that
// group or others may read, naming it and the chmod that fixes it.
func TestAuthFileMode(t *testing.T) {
	dir := t.TempDir()
	path := writeAuthFile(t, dir, 0o644)
	for _, args := range [][]string{
		{"--data-dir", dir, "--auth-file", path, "-e", "SHOW STREAMS;"},
		{"server", "--data-dir", dir, "--auth-file", path},
	} {
		var out, errw strings.Builder
		code := run(args, os.Stdin, &out, &errw)
		if code != 1 || !strings.Contains(errw.String(), path) || !strings.Contains(errw.String(), "chmod 600 "+path) {
			t.Errorf("%s: exit %d, stderr %q; want 1 and the chmod to run", args[0], code, errw.String())
		}
	}
	var out, errw strings.Builder
	if code := run([]string{"--server", "http://127.0.0.1:1", "--auth-file", path}, os.Stdin, &out, &errw); code != 2 || !strings.Contains(errw.String(), "--user") {
		t.Errorf("--server with --auth-file: exit %d, %q", code, errw.String())
	}
}

// TestEmbeddedSecurity: with --auth-file, the embedded broker and
// registry take only the auth file's users. A Kafka client without
// credentials, or with a wrong password, cannot write a command into the
// command topic; an unauthenticated schema write gets 401; after a
// restart the catalog has none of it. A foreign producer with an auth
// file user's password feeds a query, and the same command written by
// that user does run, which shows the refused ones would have.
func TestEmbeddedSecurity(t *testing.T) {
	bin := buildEddy(t)
	dir := t.TempDir()
	authFile := writeAuthFile(t, dir, 0o600)
	kafkaAddr, apiAddr, regAddr := freeAddr(t), freeAddr(t), freeAddr(t)
	api, reg := "http://"+apiAddr, "http://"+regAddr

	startServer := func() (*exec.Cmd, *syncBuffer) {
		logs := &syncBuffer{}
		cmd := exec.Command(bin, "server", "--data-dir", filepath.Join(dir, "data"), "--kafka-listen", kafkaAddr,
			"--registry-listen", regAddr, "--listen", apiAddr, "--auth-file", authFile)
		cmd.Stderr = logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill() })
		for deadline := time.Now().Add(60 * time.Second); ; {
			res, err := http.Get(api + "/chc/ready")
			if err == nil {
				res.Body.Close()
				return cmd, logs
			}
			if time.Now().After(deadline) {
				t.Fatalf("server did not come up: %v\n%s", err, logs.String())
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	stopServer := func(cmd *exec.Cmd, logs *syncBuffer) {
		cmd.Process.Signal(syscall.SIGTERM)
		if err := cmd.Wait(); err != nil {
			t.Fatalf("server exit: %v\n%s", err, logs.String())
		}
	}
	request := func(method, url, user, pass, body string) (int, string) {
		req, _ := http.NewRequest(method, url, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if user != "" {
			req.SetBasicAuth(user, pass)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	ksql := func(stmt string) string {
		b, _ := json.Marshal(map[string]any{"ksql": stmt, "streamsProperties": map[string]string{"auto.offset.reset": "earliest"}})
		code, body := request("POST", api+"/ksql", "ann", "s3cret", string(b))
		if code != 200 {
			t.Fatalf("%s: %d %s", stmt, code, body)
		}
		return body
	}
	produce := func(topic string, value []byte, opts ...kgo.Opt) error {
		cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(kafkaAddr), kgo.RequestRetries(1)}, opts...)...)
		if err != nil {
			t.Errorf("client options: %v", err) // called from several goroutines: no Fatal
			return err
		}
		defer cl.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		return cl.ProduceSync(ctx, &kgo.Record{Topic: topic, Value: value}).FirstErr()
	}
	command := func(name string) []byte {
		b, _ := json.Marshal(metastore.Command{Version: metastore.CommandVersion,
			Statement: "CREATE STREAM " + name + " (id INT KEY, v STRING) WITH (kafka_topic='" + name + "', value_format='JSON', partitions=1);"})
		return b
	}
	ann := kgo.SASL(plain.Auth{User: "ann", Pass: "s3cret"}.AsMechanism())

	server, logs := startServer()
	ksql("CREATE STREAM src (id INT KEY, v STRING) WITH (kafka_topic='src', value_format='JSON', partitions=1);")

	cmdTopic := metastore.CommandTopic("default_")
	refused := map[string][]kgo.Opt{
		"EVIL_ANONYMOUS": nil,
		"EVIL_WRONG":     {kgo.SASL(plain.Auth{User: "ann", Pass: "guess"}.AsMechanism())},
		"EVIL_NOUSER":    {kgo.SASL(plain.Auth{User: "mallory", Pass: "s3cret"}.AsMechanism())},
		"EVIL_SCRAM":     {kgo.SASL(scram.Auth{User: "ann", Pass: "s3cret"}.AsSha256Mechanism())},
	}
	var wg sync.WaitGroup // each refusal waits out its client's timeout
	for name, opts := range refused {
		wg.Add(2)
		go func() {
			defer wg.Done()
			if err := produce(cmdTopic, command(name), opts...); err == nil {
				t.Errorf("%s: wrote to the command topic", name)
			}
		}()
		go func() {
			defer wg.Done()
			if err := produce("src", []byte(`{"V":"`+name+`"}`), opts...); err == nil {
				t.Errorf("%s: wrote to a user topic", name)
			}
		}()
	}
	wg.Wait()

	schema := `{"schema":"{\"type\":\"string\"}"}`
	for _, cred := range [][2]string{{"", ""}, {"ann", "guess"}} {
		if code, body := request("POST", reg+"/subjects/evil-value/versions", cred[0], cred[1], schema); code != 401 {
			t.Errorf("registry write as %q: %d %s, want 401", cred[0], code, body)
		}
	}
	if code, body := request("GET", reg+"/subjects", "ann", "s3cret", ""); code != 200 || body != "[]\n" {
		t.Errorf("registry subjects after refused writes: %d %q", code, body)
	}

	// An auth file user is a Kafka user too: kcat or a producer feeds a
	// query with SASL PLAIN.
	for _, v := range []string{"one", "two"} {
		if err := produce("src", []byte(`{"V":"foreign-`+v+`"}`), ann); err != nil {
			t.Fatalf("ann producing to src: %v", err)
		}
	}
	b, _ := json.Marshal(map[string]any{"ksql": "SELECT v FROM src EMIT CHANGES LIMIT 2;", "streamsProperties": map[string]string{"auto.offset.reset": "earliest"}})
	if code, body := request("POST", api+"/query", "ann", "s3cret", string(b)); code != 200 || !strings.Contains(body, "foreign-one") || !strings.Contains(body, "foreign-two") || strings.Contains(body, "EVIL") {
		t.Fatalf("query over ann's records: %d %s", code, body)
	}
	if err := produce(cmdTopic, command("BY_ANN"), ann); err != nil {
		t.Fatalf("ann writing a command: %v", err)
	}

	stopServer(server, logs)
	if !strings.Contains(logs.String(), "SASL PLAIN") {
		t.Errorf("the log does not say the broker requires SASL:\n%s", logs.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "data", "kafka", "sasl.json")); err == nil {
		t.Error("the broker's SASL users (with their per-process passwords) were left on disk")
	}
	server, logs = startServer()
	defer stopServer(server, logs)
	streams := ksql("SHOW STREAMS;")
	if !strings.Contains(streams, `"SRC"`) || !strings.Contains(streams, `"BY_ANN"`) {
		t.Fatalf("after restart, streams lack SRC or BY_ANN (the command format is wrong, so the refusals prove nothing): %s\n%s", streams, logs.String())
	}
	if strings.Contains(streams, "EVIL") {
		t.Fatalf("a refused client's command ran: %s", streams)
	}
}

// TestSecuredExternalKafka: against a Kafka that requires SASL, the
// settings from --config-file (ksql-server.properties, with a JAAS line
// continued by backslashes) reach every client: the command log, the
// queries' consumers and producers. Without them eddy cannot start.
func TestSecuredExternalKafka(t *testing.T) {
	hash, err := bcrypt.GenerateFromPassword([]byte("kafka-pw"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	broker, err := kafka.StartEmbedded(kafka.EmbeddedConfig{Listen: "127.0.0.1:0", Auth: &kafka.EmbeddedAuth{
		Users:  []string{"svc"},
		Verify: func(u, p string) bool { return u == "svc" && bcrypt.CompareHashAndPassword(hash, []byte(p)) == nil },
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer broker.Close()
	dir := t.TempDir()
	props := filepath.Join(dir, "ksql-server.properties")
	if err := os.WriteFile(props, []byte(strings.Join([]string{
		"# as a ksqlDB server would have it",
		"bootstrap.servers=" + broker.Addr(),
		"ksql.service.id=ignored_",
		"ksql.streams.security.protocol=SASL_PLAINTEXT",
		"sasl.mechanism=PLAIN",
		`sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required \`,
		`    username="svc" \`,
		`    password="kafka-pw";`,
	}, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	runEddy := func(args ...string) (int, string, string) {
		var out, errw strings.Builder
		code := run(append([]string{"--data-dir", dir, "--registry-listen", ""}, args...), os.Stdin, &out, &errw)
		return code, out.String(), errw.String()
	}
	code, out, stderr := runEddy("--config-file", props, "-e", strings.Join([]string{
		"SET 'auto.offset.reset'='earliest';",
		"CREATE STREAM s (id INT KEY, v STRING) WITH (kafka_topic='s', value_format='JSON', partitions=1);",
		"CREATE STREAM up AS SELECT id, UCASE(v) AS u FROM s;",
		"INSERT INTO s (id, v) VALUES (1, 'secured');",
		"SELECT id, u FROM up EMIT CHANGES LIMIT 1;",
	}, "\n"))
	if code != 0 || !strings.Contains(out, "SECURED") {
		t.Fatalf("with the settings: exit %d\n%s\n%s", code, out, stderr)
	}
	// The same on the command line, after a restart that replays the
	// command log.
	code, out, stderr = runEddy("--bootstrap-servers", broker.Addr(), "--kafka-config", "security.protocol=SASL_PLAINTEXT",
		"--kafka-config", "sasl.mechanism=PLAIN", "--kafka-config", "sasl.username=svc", "--kafka-config", "sasl.password=kafka-pw",
		"-e", "SHOW STREAMS;")
	if code != 0 || !strings.Contains(out, " UP ") {
		t.Fatalf("--kafka-config: exit %d\n%s\n%s", code, out, stderr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	done := make(chan int, 1)
	var errw strings.Builder
	go func() {
		done <- run([]string{"--data-dir", dir, "--registry-listen", "", "--bootstrap-servers", broker.Addr(), "-e", "SHOW STREAMS;"}, os.Stdin, io.Discard, &errw)
	}()
	select {
	case code := <-done:
		if code == 0 || !strings.Contains(errw.String(), "connect to Kafka") {
			t.Errorf("without credentials: exit %d, %q", code, errw.String())
		}
		t.Logf("without credentials: %s", errw.String())
	case <-ctx.Done():
		t.Fatal("without credentials eddy neither failed nor connected")
	}
}

func TestReadProperties(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p")
	os.WriteFile(path, []byte("! comment\n  a = 1\nb:2\nc 3\nd=x\\\n   y\\\\\ne=\\u0041\\=\nf=\n"), 0o600)
	got, err := readProperties(path)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"a": "1", "b": "2", "c": "3", "d": `xy\`, "e": "A=", "f": ""}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %v", got)
	}
	c := &config{kafka: kafkaConfig{}, configFile: path}
	if err := c.kafka.Set("ssl.ca.location=/ca.pem"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.kafkaClient(); err == nil || !strings.Contains(err.Error(), "security.protocol is PLAINTEXT") {
		t.Errorf("ssl.ca.location without SSL: %v", err)
	}
	if err := c.kafka.Set("num.partitions=3"); err == nil {
		t.Error("--kafka-config took a setting that is not about security")
	}
	c = &config{kafka: kafkaConfig{"security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": "PLAIN", "sasl.username": "u"}}
	if _, _, err := c.kafkaClient(); err == nil || !strings.Contains(err.Error(), "--bootstrap-servers") {
		t.Errorf("security settings for the embedded broker: %v", err)
	}
}

func TestWarnExposed(t *testing.T) {
	for _, tc := range []struct {
		addr      string
		auth, tls bool
		want      string // in the warning; "" for none
	}{
		{"127.0.0.1:9092", false, false, ""},
		{"[::1]:9092", false, false, ""},
		{"localhost:9092", true, false, ""},
		{"[::]:9092", false, false, "without authentication"},
		{"[::]:9092", false, true, "without authentication"},
		{"0.0.0.0:8081", true, false, "in the clear"},
		{"10.1.2.3:9092", true, false, "in the clear"},
		{"10.1.2.3:9092", true, true, ""},
	} {
		var got []string
		warnExposed(func(f string, a ...any) { got = append(got, fmt.Sprintf(f, a...)) }, "the broker", tc.addr, tc.auth, tc.tls)
		switch {
		case tc.want == "" && len(got) > 0:
			t.Errorf("%s: warned %q", tc.addr, got)
		case tc.want != "" && (len(got) != 1 || !strings.Contains(got[0], tc.want)):
			t.Errorf("%s auth=%v: %q, want a warning saying %q", tc.addr, tc.auth, got, tc.want)
		}
	}
}

// TestExternalRegistryAuth: ksqlDB's ksql.schema.registry.* settings in
// --config-file name a registry that wants basic auth, and eddy's AVRO
// schemas reach it with the user; without the user the write is refused.
func TestExternalRegistryAuth(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	mem := kafka.NewMemCluster(kafka.MemOptions{})
	defer mem.Close()
	reg, err := registry.New(ctx, registry.Config{Cluster: mem, Authenticate: func(u, p string) bool { return u == "sr" && p == "sr-pw" }})
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	addr, err := reg.Serve(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	props := func(lines ...string) string {
		p := filepath.Join(t.TempDir(), "ksql-server.properties")
		if err := os.WriteFile(p, []byte(strings.Join(append([]string{"ksql.schema.registry.url=http://" + addr}, lines...), "\n")+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	runEddy := func(file, stmt string) (int, string) {
		var out, errw strings.Builder
		code := run([]string{"--data-dir", dir, "--kafka-listen", "127.0.0.1:0", "--registry-listen", "", "--config-file", file, "-e", stmt}, os.Stdin, &out, &errw)
		return code, out.String() + errw.String()
	}
	code, out := runEddy(props(), "CREATE STREAM anon (id INT KEY, v STRING) WITH (kafka_topic='anon', value_format='AVRO', partitions=1); INSERT INTO anon (id, v) VALUES (1, 'x');")
	if code == 0 || len(reg.Subjects(false)) != 0 {
		t.Fatalf("without the user: exit %d, subjects %v\n%s", code, reg.Subjects(false), out)
	}
	code, out = runEddy(props("ksql.schema.registry.basic.auth.credentials.source=USER_INFO", "ksql.schema.registry.basic.auth.user.info=sr:sr-pw"),
		"CREATE STREAM s (id INT KEY, v STRING) WITH (kafka_topic='s', value_format='AVRO', partitions=1); INSERT INTO s (id, v) VALUES (1, 'x');")
	if code != 0 || !slices.Contains(reg.Subjects(false), "s-value") {
		t.Fatalf("with the user: exit %d, subjects %v\n%s", code, reg.Subjects(false), out)
	}
}

// TestEmbeddedTLS: with --embedded-tls the embedded broker speaks
// SASL_SSL and the registry HTTPS, with the REST API's certificate; eddy's
// own clients connect, a foreign client needs TLS and a user.
func TestEmbeddedTLS(t *testing.T) {
	bin := buildEddy(t)
	dir := t.TempDir()
	authFile := writeAuthFile(t, dir, 0o600)
	certFile, keyFile, pool := testcert.SelfSigned(t, dir)
	kafkaAddr, apiAddr, regAddr := freeAddr(t), freeAddr(t), freeAddr(t)
	logs := &syncBuffer{}
	cmd := exec.Command(bin, "server", "--data-dir", filepath.Join(dir, "data"), "--kafka-listen", kafkaAddr, "--registry-listen", regAddr,
		"--listen", apiAddr, "--auth-file", authFile, "--tls-cert", certFile, "--tls-key", keyFile, "--embedded-tls")
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		if err := cmd.Wait(); err != nil {
			t.Errorf("server exit: %v\n%s", err, logs.String())
		}
	}()
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	defer hc.CloseIdleConnections()
	for deadline := time.Now().Add(60 * time.Second); ; {
		res, err := hc.Get("https://" + apiAddr + "/chc/ready")
		if err == nil {
			res.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not come up: %v\n%s", err, logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}

	req, _ := http.NewRequest("GET", "https://"+regAddr+"/subjects", nil)
	req.SetBasicAuth("ann", "s3cret")
	res, err := hc.Do(req)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("registry over HTTPS: %v %v", res, err)
	}
	res.Body.Close()

	dial := func(props map[string]string) error {
		sec, err := kafka.ParseSecurity(props)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		cl, err := kafka.Dial(ctx, kafka.Config{Brokers: []string{kafkaAddr}, Security: sec})
		if err != nil {
			return err
		}
		defer cl.Close()
		if err := cl.CreateTopic(ctx, kafka.TopicInfo{Name: "tls_in", Partitions: 1}); err != nil {
			return err
		}
		return cl.Produce(ctx, kafka.Record{Topic: "tls_in", Value: []byte("v")})
	}
	jaas := `org.apache.kafka.common.security.plain.PlainLoginModule required username="ann" password="s3cret";`
	if err := dial(map[string]string{"security.protocol": "SASL_SSL", "sasl.mechanism": "PLAIN", "sasl.jaas.config": jaas, "ssl.ca.location": filepath.Join(dir, "ca.pem")}); err != nil {
		t.Fatalf("SASL_SSL as ann: %v\n%s", err, logs.String())
	}
	if err := dial(map[string]string{"security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": "PLAIN", "sasl.jaas.config": jaas}); err == nil {
		t.Error("SASL_PLAINTEXT client on the TLS listener: produced")
	}
	if err := dial(map[string]string{"security.protocol": "SSL", "ssl.ca.location": filepath.Join(dir, "ca.pem")}); err == nil {
		t.Error("TLS client without a user: produced")
	}
	if !strings.Contains(logs.String(), "SASL_SSL") || !strings.Contains(logs.String(), "https://"+regAddr) {
		t.Errorf("the log does not say the listeners use TLS:\n%s", logs.String())
	}
}

// TestQueryPropertiesFromConfigFile: --config-file's query settings reach
// the engine (processing.guarantee server-wide, as ksqlDB reads it from
// ksql-server.properties); its connection settings do not.
func TestQueryPropertiesFromConfigFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "ksql-server.properties")
	text := "bootstrap.servers=broker:9092\nsecurity.protocol=SASL_SSL\nksql.streams.sasl.mechanism=PLAIN\n" +
		"ksql.schema.registry.url=http://sr:8081\nksql.streams.processing.guarantee=exactly_once_v2\nCache.Max.Bytes.Buffering=0\n"
	if err := os.WriteFile(file, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	c := &config{configFile: file}
	got, err := c.queryProperties()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"ksql.streams.processing.guarantee": "exactly_once_v2", "cache.max.bytes.buffering": "0"}
	if !maps.Equal(got, want) {
		t.Errorf("query properties %v, want %v", got, want)
	}
}

// TestCompressionSetting: the producers' compression.type comes from
// --kafka-config, else from --config-file under ksqlDB's names, else none;
// a codec Kafka does not have is refused with its name, and the setting is
// not passed on as a query setting.
func TestCompressionSetting(t *testing.T) {
	file := filepath.Join(t.TempDir(), "ksql-server.properties")
	if err := os.WriteFile(file, []byte("ksql.streams.producer.compression.type=lz4\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		c    *config
		want string
	}{
		{&config{kafka: kafkaConfig{}}, ""},
		{&config{kafka: kafkaConfig{}, configFile: file}, "lz4"},
		{&config{kafka: kafkaConfig{"compression.type": "zstd"}, configFile: file}, "zstd"},
	} {
		got, err := tc.c.compression()
		if err != nil || got != tc.want {
			t.Errorf("compression() with --kafka-config %v, --config-file %q: %q, %v; want %q", tc.c.kafka, tc.c.configFile, got, err, tc.want)
		}
	}
	if props, err := (&config{configFile: file}).queryProperties(); err != nil || len(props) != 0 {
		t.Errorf("query properties %v, %v; want none", props, err)
	}
	bad := filepath.Join(t.TempDir(), "bad.properties")
	if err := os.WriteFile(bad, []byte("compression.type=brotli\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := (&config{kafka: kafkaConfig{}, configFile: bad}).compression(); err == nil || !strings.Contains(err.Error(), `"brotli"`) {
		t.Errorf("compression.type=brotli in --config-file: %v, want an error naming it", err)
	}
	if err := (kafkaConfig{}).Set("compression.type=brotli"); err == nil || !strings.Contains(err.Error(), `"brotli"`) {
		t.Errorf("--kafka-config compression.type=brotli: %v, want an error naming it", err)
	}
}
