package kafka

import "fmt"

// kfake keeps each partition's active segment and its index open once
// the partition is written to, and keeps open every older segment a
// fetch has read from, until the broker stops. A data directory of many
// partitions therefore needs many open files: at 12,000 written
// partitions against a limit of 20,000, produce requests failed to
// persist ("too many open files") and the broker could accept no
// connection (see patientListener). The limit cannot be raised from
// here beyond what Go already does (the soft limit up to the hard one),
// so the broker says at start when the partitions it reloads come near
// it.

// openFilesReserve is what the rest of the process (client connections,
// state stores, the REST API's connections) is assumed to need.
const openFilesReserve = 1024

// openFilesWarning is a warning about a data directory of partitions
// partitions under a limit of limit open files, or "" when there is
// room (or the limit is unknown: 0).
func openFilesWarning(partitions int, limit uint64) string {
	need := uint64(2*partitions + openFilesReserve)
	if limit == 0 || need <= limit {
		return ""
	}
	return fmt.Sprintf("embedded broker: the data directory holds %d partitions and the broker keeps two files open for each partition written to (and one for each older segment read), "+
		"but this process may open only %d files: raise the open files limit (ulimit -n, LimitNOFILE= in a systemd unit, --ulimit nofile= in Docker) to at least %d, "+
		"or produce and fetch may fail with \"too many open files\"", partitions, limit, need)
}
