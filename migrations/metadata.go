package migrations

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The states of a migration version, as ksqlDB's tool writes them.
const (
	statePending  = "PENDING"
	stateRunning  = "RUNNING"
	stateMigrated = "MIGRATED"
	stateError    = "ERROR"

	noneVersion = "<none>"  // no version applied yet
	currentKey  = "CURRENT" // the row that tracks the latest migration
	notApplied  = "N/A"
)

// metadataKeys are the metadata stream's columns, in order.
var metadataKeys = []string{"VERSION_KEY", "VERSION", "NAME", "STATE", "CHECKSUM", "STARTED_ON", "COMPLETED_ON", "PREVIOUS", "ERROR_REASON"}

// createStreamSQL and createTableSQL make the metadata stream and table
// with ksqlDB's tool's names, columns and topics, so that either tool can
// read what the other wrote.
func createStreamSQL(name, topic string, replicas int) string {
	return fmt.Sprintf(`CREATE STREAM %s (
  version_key  STRING KEY,
  version      STRING,
  name         STRING,
  state        STRING,
  checksum     STRING,
  started_on   STRING,
  completed_on STRING,
  previous     STRING,
  error_reason STRING
) WITH (
  KAFKA_TOPIC='%s',
  VALUE_FORMAT='JSON',
  PARTITIONS=1,
  REPLICAS=%d
);`, name, topic, replicas)
}

func createTableSQL(table, stream, topic string) string {
	return fmt.Sprintf(`CREATE TABLE %s
  WITH (
    KAFKA_TOPIC='%s'
  )
  AS SELECT
    version_key,
    latest_by_offset(version) AS version,
    latest_by_offset(name) AS name,
    latest_by_offset(state) AS state,
    latest_by_offset(checksum) AS checksum,
    latest_by_offset(started_on) AS started_on,
    latest_by_offset(completed_on) AS completed_on,
    latest_by_offset(previous) AS previous,
    latest_by_offset(error_reason) AS error_reason
  FROM %s
  GROUP BY version_key;`, table, topic, stream)
}

// versionInfo is a version's row of the metadata table.
type versionInfo struct {
	version                              int
	checksum, previous, state, name      string
	startedOn, completedOn, errorReason  string // raw epoch millis or N/A
	displayStartedOn, displayCompletedOn string
}

func pendingInfo(m migrationFile) versionInfo {
	return versionInfo{version: m.version, checksum: notApplied, previous: notApplied, state: statePending, name: m.name,
		startedOn: notApplied, completedOn: notApplied, errorReason: notApplied,
		displayStartedOn: notApplied, displayCompletedOn: notApplied}
}

// infoColumns is what a version query selects, in infoFromRow's order.
const infoColumns = "version, checksum, previous, state, name, started_on, completed_on, error_reason"

func infoFromRow(row []any) (versionInfo, error) {
	str := func(i int) string {
		if i >= len(row) || row[i] == nil {
			return ""
		}
		return fmt.Sprint(row[i])
	}
	v, err := strconv.Atoi(str(0))
	if err != nil {
		return versionInfo{}, fmt.Errorf("bad version %q in the migrations metadata table", str(0))
	}
	vi := versionInfo{version: v, checksum: str(1), previous: str(2), state: str(3), name: str(4),
		startedOn: str(5), completedOn: str(6), errorReason: str(7)}
	switch vi.state {
	case statePending, stateRunning, stateMigrated, stateError:
	default:
		return versionInfo{}, fmt.Errorf("unknown state %q of version %d in the migrations metadata table", vi.state, v)
	}
	vi.displayStartedOn, vi.displayCompletedOn = formatMillis(vi.startedOn), formatMillis(vi.completedOn)
	return vi, nil
}

// formatMillis shows an epoch-millis timestamp in local time as ksqlDB's
// tool does (2021-03-03 23:47:50.455 PST); "" and N/A stay as they are.
func formatMillis(s string) string {
	if s == "" || s == notApplied {
		return s
	}
	ms, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return s
	}
	return time.UnixMilli(ms).Format("2006-01-02 15:04:05.000 MST")
}

// currentVersion is the CURRENT row's version, or <none>.
func (s *session) currentVersion() (string, error) {
	table := s.cfg.tableName()
	rows, err := s.pull(fmt.Sprintf("SELECT VERSION FROM %s WHERE version_key = '%s';", table, currentKey))
	if err != nil {
		return "", fmt.Errorf("Could not query %s: %w", table, err)
	}
	if len(rows) == 0 || len(rows[0]) == 0 {
		return noneVersion, nil
	}
	return fmt.Sprint(rows[0][0]), nil
}

// optionalInfo is a version's row, if there is one.
func (s *session) optionalInfo(version string) (*versionInfo, error) {
	rows, err := s.pull(fmt.Sprintf("SELECT %s FROM %s WHERE version_key = '%s';", infoColumns, s.cfg.tableName(), version))
	if err != nil {
		return nil, fmt.Errorf("Failed to query state for migration with version %s: %w", version, err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	vi, err := infoFromRow(rows[0])
	if err != nil {
		return nil, fmt.Errorf("Failed to query state for migration with version %s: %w", version, err)
	}
	return &vi, nil
}

// infoFor is a version's row, which must exist.
func (s *session) infoFor(version string) (versionInfo, error) {
	vi, err := s.optionalInfo(version)
	if err != nil {
		return versionInfo{}, err
	}
	if vi == nil {
		return versionInfo{}, fmt.Errorf("Failed to query state for migration with version %s: no such migration is present in the migrations metadata table", version)
	}
	return *vi, nil
}

// infosFor reads several versions' rows with one multi-key pull query.
func (s *session) infosFor(versions []int) (map[int]versionInfo, error) {
	keys := make([]string, len(versions))
	for i, v := range versions {
		keys[i] = strconv.Itoa(v)
	}
	rows, err := s.pull(fmt.Sprintf("SELECT %s FROM %s WHERE version_key IN ('%s');", infoColumns, s.cfg.tableName(), strings.Join(keys, "', '")))
	if err != nil {
		return nil, fmt.Errorf("Failed to query state for migration with versions %v: %w", versions, err)
	}
	out := map[int]versionInfo{}
	for _, r := range rows {
		vi, err := infoFromRow(r)
		if err != nil {
			return nil, err
		}
		out[vi.version] = vi
	}
	return out, nil
}

// latestMigrated is the newest version in state MIGRATED: the current
// one, or the one before it when the current one is running or failed.
func (s *session) latestMigrated() (string, error) {
	cur, err := s.currentVersion()
	if err != nil || cur == noneVersion {
		return cur, err
	}
	ci, err := s.infoFor(cur)
	if err != nil {
		return "", err
	}
	if ci.state == stateMigrated {
		return cur, nil
	}
	if ci.previous == noneVersion {
		return noneVersion, nil
	}
	pi, err := s.infoFor(ci.previous)
	if err != nil {
		return "", err
	}
	if err := mustBeMigrated(ci.previous, pi, cur); err != nil {
		return "", err
	}
	return ci.previous, nil
}

func mustBeMigrated(version string, vi versionInfo, next string) error {
	if vi.state != stateMigrated {
		return fmt.Errorf("Discovered version with previous version that does not have status %s. Version: %s. Previous version: %s. Previous version status: %s",
			stateMigrated, next, version, vi.state)
	}
	return nil
}

// writeRow appends an event for key (CURRENT or the version) to the
// metadata stream.
func (s *session) writeRow(key, state, started, completed string, m migrationFile, previous, sum, errorReason string) error {
	if errorReason == "" {
		errorReason = notApplied
	}
	vals := []string{key, strconv.Itoa(m.version), m.name, state, sum, started, completed, previous, errorReason}
	row := make(map[string]any, len(vals))
	quoted := make([]string, len(vals))
	for i, k := range metadataKeys {
		row[k] = vals[i]
		quoted[i] = "'" + strings.ReplaceAll(vals[i], "'", "''") + "'"
	}
	stmt := fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s);", s.cfg.streamName(), strings.Join(metadataKeys, ", "), strings.Join(quoted, ", "))
	return s.insert(s.cfg.streamName(), row, stmt)
}

// metadataInitialized checks that the stream and table exist.
func (s *session) metadataInitialized() bool {
	for _, src := range []struct{ kind, name string }{{"stream", s.cfg.streamName()}, {"table", s.cfg.tableName()}} {
		if _, err := s.describe(src.name); err != nil {
			s.errorf("Failed to verify existence of migrations metadata %s '%s'. Did you run `%s initialize-metadata`? Error message: %v",
				src.kind, src.name, commandName, err)
			return false
		}
	}
	return true
}
