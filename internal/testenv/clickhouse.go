package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// ClickHouse returns CLICKHOUSE_URL, the HTTP interface of a ClickHouse
// server (internal/testinfra/clickhouse starts one): user default
// without a password, user eddy with password eddy.
func ClickHouse(t testing.TB) string {
	return need(t, "CLICKHOUSE_URL", "a ClickHouse server (internal/testinfra/clickhouse)")
}

// ClickHouseServer starts a private ClickHouse server (Debian's
// clickhouse-server, as internal/testinfra/clickhouse does) that a test
// may stop and start, and returns it with its HTTP port.
func ClickHouseServer(t testing.TB) *Server {
	ClickHouse(t) // the shared server's presence decides skip or fail
	bin, err := exec.LookPath("clickhouse-server")
	if err != nil {
		bin = "/usr/sbin/clickhouse-server"
	}
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("clickhouse-server is not installed: %v", err)
	}
	dir := t.TempDir()
	http, tcp := freePort(t), freePort(t)
	for _, d := range []string{"data/tmp", "data/user_files", "log"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	config := fmt.Sprintf(`<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>%[1]s/log/server.log</log><errorlog>%[1]s/log/error.log</errorlog></logger>
  <http_port>%[2]d</http_port>
  <tcp_port>%[3]d</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <path>%[1]s/data/</path>
  <tmp_path>%[1]s/data/tmp/</tmp_path>
  <user_files_path>%[1]s/data/user_files/</user_files_path>
  <users_config>%[1]s/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mark_cache_size>67108864</mark_cache_size>
  <uncompressed_cache_size>67108864</uncompressed_cache_size>
  <mlock_executable>false</mlock_executable>
</yandex>
`, dir, http, tcp)
	users := `<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>2000000000</max_memory_usage></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
`
	if err := os.WriteFile(filepath.Join(dir, "config.xml"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "users.xml"), []byte(users), 0o644); err != nil {
		t.Fatal(err)
	}
	s := &Server{t: t, name: "clickhouse-server", args: []string{bin, "--config-file=" + filepath.Join(dir, "config.xml")},
		port: http, logPath: filepath.Join(dir, "log", "stdout.log")}
	s.Start()
	t.Cleanup(s.Stop)
	return s
}

// URL is the server's HTTP address, http://127.0.0.1:PORT.
func (s *Server) URL() string { return "http://127.0.0.1:" + strconv.Itoa(s.port) }
