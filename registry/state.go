package registry

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/eddysql/eddy/kafka"
)

// state is the registry's view of the schemas topic: what applying every
// record read so far, in order, gives. Registry.mu guards it.
type state struct {
	subjects map[string]map[int]*SubjectVersion // subject -> version -> entry, soft-deleted included
	ids      map[int]*idEntry
	byKey    map[string]int // contentKey -> id
	maxID    int            // the largest id ever seen; ids are not reused
	global   Level          // "" until configured
	levels   map[string]Level
	applied  int64 // offset of the last record applied, -1 before any
}

// idEntry is a schema id with the number of versions that use it; the
// id is forgotten when its last version is hard-deleted.
type idEntry struct {
	schema Schema
	key    string
	refs   int
}

func newState() *state {
	return &state{
		subjects: make(map[string]map[int]*SubjectVersion),
		ids:      make(map[int]*idEntry),
		byKey:    make(map[string]int),
		levels:   make(map[string]Level),
		applied:  -1,
	}
}

// apply applies one record of the topic. Malformed records are reported
// through logf and skipped: one bad record must not stop the registry.
func (st *state) apply(rec kafka.Record, logf func(string, ...any)) {
	if rec.Offset > st.applied {
		st.applied = rec.Offset
	}
	var key recordKey
	if err := json.Unmarshal(rec.Key, &key); err != nil {
		logf("registry: skip record at offset %d: bad key %q: %v", rec.Offset, rec.Key, err)
		return
	}
	switch key.KeyType {
	case keySchema:
		if key.Subject == nil {
			logf("registry: skip schema record at offset %d: no subject", rec.Offset)
			return
		}
		if rec.Value == nil {
			st.remove(*key.Subject, key.Version)
			return
		}
		sv, err := decodeVersion(rec.Value)
		if err != nil {
			logf("registry: skip schema record at offset %d: %v", rec.Offset, err)
			return
		}
		if sv.Subject != *key.Subject || sv.Version != key.Version {
			logf("registry: skip schema record at offset %d: key %s/%d does not match value %s/%d",
				rec.Offset, *key.Subject, key.Version, sv.Subject, sv.Version)
			return
		}
		st.put(sv, logf)
	case keyConfig:
		var level Level
		if rec.Value != nil {
			var cfg configRecord
			if err := json.Unmarshal(rec.Value, &cfg); err != nil {
				logf("registry: skip config record at offset %d: %v", rec.Offset, err)
				return
			}
			l, err := ParseLevel(string(cfg.CompatibilityLevel))
			if err != nil {
				logf("registry: skip config record at offset %d: %v", rec.Offset, err)
				return
			}
			level = l
		}
		switch {
		case key.Subject == nil:
			st.global = level
		case level == "":
			delete(st.levels, *key.Subject)
		default:
			st.levels[*key.Subject] = level
		}
	}
}

func (st *state) put(sv *SubjectVersion, logf func(string, ...any)) {
	vs := st.subjects[sv.Subject]
	if vs == nil {
		vs = make(map[int]*SubjectVersion)
		st.subjects[sv.Subject] = vs
	}
	if old := vs[sv.Version]; old != nil {
		if old.ID != sv.ID {
			logf("registry: version %d of subject %q changes id from %d to %d (two writers?)",
				sv.Version, sv.Subject, old.ID, sv.ID)
		}
		st.release(old.ID)
	}
	vs[sv.Version] = sv
	key := contentKey(sv.Schema)
	if e := st.ids[sv.ID]; e != nil {
		if e.key != key {
			logf("registry: id %d is used for two different schemas (two writers?); keeping the first", sv.ID)
		}
		e.refs++
	} else {
		st.ids[sv.ID] = &idEntry{schema: sv.Schema, key: key, refs: 1}
		if _, ok := st.byKey[key]; !ok {
			st.byKey[key] = sv.ID
		}
	}
	st.maxID = max(st.maxID, sv.ID)
}

func (st *state) remove(subject string, version int) {
	vs := st.subjects[subject]
	old := vs[version]
	if old == nil {
		return
	}
	delete(vs, version)
	if len(vs) == 0 {
		delete(st.subjects, subject)
	}
	st.release(old.ID)
}

func (st *state) release(id int) {
	e := st.ids[id]
	if e == nil {
		return
	}
	e.refs--
	if e.refs > 0 {
		return
	}
	delete(st.ids, id)
	if st.byKey[e.key] == id {
		delete(st.byKey, e.key)
	}
}

// lookupVersion finds a version, soft-deleted ones included (references
// may point at them).
func (st *state) lookupVersion(subject string, version int) (*SubjectVersion, bool) {
	sv, ok := st.subjects[subject][version]
	return sv, ok
}

// versions lists a subject's versions in order.
func (st *state) versions(subject string, deleted bool) []*SubjectVersion {
	vs := st.subjects[subject]
	out := make([]*SubjectVersion, 0, len(vs))
	for _, sv := range vs {
		if deleted || !sv.Deleted {
			out = append(out, sv)
		}
	}
	slices.SortFunc(out, func(a, b *SubjectVersion) int { return a.Version - b.Version })
	return out
}

// latest is a subject's newest version.
func (st *state) latest(subject string, deleted bool) (*SubjectVersion, bool) {
	vs := st.versions(subject, deleted)
	if len(vs) == 0 {
		return nil, false
	}
	return vs[len(vs)-1], true
}

// nextVersion is the version a new schema under subject gets: one past
// every version still stored, soft-deleted ones included.
func (st *state) nextVersion(subject string) int {
	n := 0
	for v := range st.subjects[subject] {
		n = max(n, v)
	}
	return n + 1
}

// level is the compatibility level that applies to subject.
func (st *state) level(subject string) Level {
	if l, ok := st.levels[subject]; ok {
		return l
	}
	return st.globalLevel()
}

func (st *state) globalLevel() Level {
	if st.global == "" {
		return DefaultLevel
	}
	return st.global
}

// referrers lists the live versions whose references name subject's
// version (any version when version is 0).
func (st *state) referrers(subject string, version int) []*SubjectVersion {
	var out []*SubjectVersion
	for _, vs := range st.subjects {
		for _, sv := range vs {
			if sv.Deleted {
				continue
			}
			for _, ref := range sv.Schema.References {
				if ref.Subject == subject && (version == 0 || ref.Version == version) {
					out = append(out, sv)
					break
				}
			}
		}
	}
	slices.SortFunc(out, func(a, b *SubjectVersion) int { return a.ID - b.ID })
	return out
}

func (sv *SubjectVersion) String() string {
	return fmt.Sprintf("%s/%d (id %d)", sv.Subject, sv.Version, sv.ID)
}
