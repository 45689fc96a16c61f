package registry

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/eddysql/eddy/kafka"
)

// LatestVersion stands for a subject's latest version where a version
// number is expected.
const LatestVersion = -1

func checkSubject(subject string) error {
	if subject == "" {
		return errorf(CodeInvalidSubject, "Invalid subject: empty name")
	}
	return nil
}

// Register registers s under subject and returns its id and version. A
// schema already registered (not deleted) under subject returns its
// existing id and version; one registered under another subject keeps
// its id. Otherwise s must be compatible with the subject's earlier
// versions under the subject's compatibility level (a 409 Error lists
// why not). Without metadata or a rule set, s takes the latest
// version's (see withContract).
func (r *Registry) Register(ctx context.Context, subject string, s Schema) (id, version int, err error) {
	if err := checkSubject(subject); err != nil {
		return 0, 0, err
	}
	given, err := normalize(s)
	if err != nil {
		return 0, 0, errInvalidSchema(err)
	}
	r.mu.RLock()
	sv, _ := r.st.findContract(subject, given, false)
	r.mu.RUnlock()
	if sv != nil {
		return sv.ID, sv.Version, nil
	}

	r.writeMu.Lock()
	defer r.writeMu.Unlock()
	ctx, cancel := r.writeCtx(ctx)
	defer cancel()
	if err := r.Sync(ctx); err != nil {
		return 0, 0, err
	}
	r.mu.RLock()
	prev, _ := r.st.latest(subject, false)
	norm := withContract(given, prev)
	next, exists, err := r.prepare(subject, given, norm)
	r.mu.RUnlock()
	if err != nil || exists {
		return next.ID, next.Version, err
	}
	if err := r.write(ctx, kafka.Record{Key: schemaKey(subject, next.Version), Value: encodeVersion(&next)}); err != nil {
		return 0, 0, err
	}
	// Single writer assumed; a second one racing us shows up here as a
	// version that is not ours.
	r.mu.RLock()
	got, ok := r.st.lookupVersion(subject, next.Version)
	ok = ok && got.ID == next.ID && contentKey(got.Schema) == contentKey(norm)
	r.mu.RUnlock()
	if !ok {
		return 0, 0, storeError(errors.New("another registry wrote the same version concurrently"),
			"register version %d of subject %q", next.Version, subject)
	}
	return next.ID, next.Version, nil
}

// prepare decides, under r.mu, what registering given (norm once it
// has the latest version's contract) under subject means: an existing
// version (exists), or the new version to write after checking
// references and compatibility.
func (r *Registry) prepare(subject string, given, norm Schema) (sv SubjectVersion, exists bool, err error) {
	st := r.st
	if old, _ := st.findContract(subject, given, false); old != nil {
		return clone(old), true, nil // registered meanwhile
	}
	parsed, err := parse(norm, st)
	if err != nil {
		return SubjectVersion{}, false, errInvalidSchema(err)
	}
	level := st.level(subject)
	if msgs := incompatibilities(level, parsed, r.previous(subject, level, 0)); len(msgs) > 0 {
		return SubjectVersion{}, false, incompatible(subject, msgs)
	}
	id, ok := st.byKey[contentKey(norm)]
	if !ok {
		id = st.maxID + 1
	}
	return SubjectVersion{Subject: subject, Version: st.nextVersion(subject), ID: id, Schema: norm}, false, nil
}

func incompatible(subject string, msgs []string) *Error {
	return &Error{
		Code: CodeIncompatible,
		Message: fmt.Sprintf("Schema being registered is incompatible with an earlier schema for subject %q, details: [%s]",
			subject, strings.Join(msgs, "; ")),
		Details: msgs,
	}
}

// previous parses the versions a new schema under subject is checked
// against: the latest, every one when level is transitive, or only
// version when it is not 0. r.mu must be held.
func (r *Registry) previous(subject string, level Level, version int) []previous {
	if level == None {
		return nil
	}
	var vs []*SubjectVersion
	switch {
	case version > 0:
		if sv, ok := r.st.lookupVersion(subject, version); ok {
			vs = []*SubjectVersion{sv}
		}
	case level.Transitive():
		vs = r.st.versions(subject, false)
	default:
		if sv, ok := r.st.latest(subject, false); ok {
			vs = []*SubjectVersion{sv}
		}
	}
	out := make([]previous, 0, len(vs))
	for _, sv := range vs {
		p, err := parse(sv.Schema, r.st)
		if err != nil {
			r.logf("registry: skip compatibility check against %s: stored schema does not parse: %v", sv, err)
			continue
		}
		out = append(out, previous{version: sv.Version, schema: p})
	}
	return out
}

// findContract returns the version of subject holding norm as given, or
// else holding it with the latest version's metadata and rule set, which
// registering it would give it (Confluent looks up both ways), and
// whether the latter matched.
func (st *state) findContract(subject string, norm Schema, deleted bool) (*SubjectVersion, bool) {
	if sv := st.find(subject, norm, deleted); sv != nil {
		return sv, false
	}
	prev, _ := st.latest(subject, false)
	if prev == nil {
		return nil, false
	}
	if with := withContract(norm, prev); contentKey(with) != contentKey(norm) {
		if sv := st.find(subject, with, deleted); sv != nil {
			return sv, true
		}
	}
	return nil, false
}

// find returns the version of subject holding norm, if any.
func (st *state) find(subject string, norm Schema, deleted bool) *SubjectVersion {
	key := contentKey(norm)
	var found *SubjectVersion
	for _, sv := range st.subjects[subject] {
		if (deleted || !sv.Deleted) && contentKey(sv.Schema) == key {
			if found == nil || sv.Version < found.Version {
				found = sv
			}
		}
	}
	return found
}

// CheckCompatibility lists why s would be rejected under subject: against
// version, or, for LatestVersion, against the versions the subject's
// level checks on registration. An empty list means compatible.
func (r *Registry) CheckCompatibility(subject string, version int, s Schema) ([]string, error) {
	if err := checkSubject(subject); err != nil {
		return nil, err
	}
	norm, err := normalize(s)
	if err != nil {
		return nil, errInvalidSchema(err)
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	parsed, err := parse(norm, r.st)
	if err != nil {
		return nil, errInvalidSchema(err)
	}
	if version != LatestVersion {
		if len(r.st.versions(subject, false)) == 0 {
			return nil, errSubjectNotFound(subject)
		}
		if sv, ok := r.st.lookupVersion(subject, version); !ok || sv.Deleted {
			return nil, errVersionNotFound(subject, version)
		}
	}
	against := 0 // the versions the level checks on registration
	if version != LatestVersion {
		against = version
	}
	level := r.st.level(subject)
	return incompatibilities(level, parsed, r.previous(subject, level, against)), nil
}

// Lookup finds the version of subject that holds s.
func (r *Registry) Lookup(subject string, s Schema, deleted bool) (SubjectVersion, error) {
	norm, err := normalize(s)
	if err != nil {
		return SubjectVersion{}, errInvalidSchema(err)
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	if len(r.st.versions(subject, deleted)) == 0 {
		return SubjectVersion{}, errSubjectNotFound(subject)
	}
	sv, _ := r.st.findContract(subject, norm, deleted)
	if sv == nil {
		return SubjectVersion{}, errSchemaNotFound()
	}
	return clone(sv), nil
}

// LatestWithMetadata returns the subject's latest version (soft-deleted
// ones too when deleted) whose metadata properties include props.
func (r *Registry) LatestWithMetadata(subject string, props map[string]string, deleted bool) (SubjectVersion, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	vs := r.st.versions(subject, deleted)
	if len(vs) == 0 {
		return SubjectVersion{}, errSubjectNotFound(subject)
	}
	for _, sv := range slices.Backward(vs) {
		if metadataHas(sv.Schema.Metadata, props) {
			return clone(sv), nil
		}
	}
	return SubjectVersion{}, errSchemaNotFound()
}

// SchemaByID returns the schema with id. An id larger than any this
// registry has seen makes it Sync once, as another server may just have
// registered it.
func (r *Registry) SchemaByID(ctx context.Context, id int) (Schema, error) {
	for try := 0; ; try++ {
		r.mu.RLock()
		e, maxID := r.st.ids[id], r.st.maxID
		r.mu.RUnlock()
		if e != nil {
			s := e.schema
			s.References = slices.Clone(s.References)
			return s, nil
		}
		if try > 0 || id <= maxID {
			return Schema{}, errSchemaNotFound()
		}
		wctx, cancel := r.writeCtx(ctx)
		err := r.Sync(wctx)
		cancel()
		if err != nil {
			return Schema{}, err
		}
	}
}

// VersionsByID lists the subject versions (soft-deleted ones included
// when deleted) that use schema id.
func (r *Registry) VersionsByID(id int, deleted bool) ([]SubjectVersion, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.st.ids[id] == nil {
		return nil, errSchemaNotFound()
	}
	var out []SubjectVersion
	for _, vs := range r.st.subjects {
		for _, sv := range vs {
			if sv.ID == id && (deleted || !sv.Deleted) {
				out = append(out, clone(sv))
			}
		}
	}
	slices.SortFunc(out, func(a, b SubjectVersion) int {
		if c := strings.Compare(a.Subject, b.Subject); c != 0 {
			return c
		}
		return a.Version - b.Version
	})
	return out, nil
}

// Subjects lists the subjects with at least one version (soft-deleted
// ones count when deleted), sorted.
func (r *Registry) Subjects(deleted bool) []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var out []string
	for subject := range r.st.subjects {
		if len(r.st.versions(subject, deleted)) > 0 {
			out = append(out, subject)
		}
	}
	slices.Sort(out)
	return out
}

// Versions lists a subject's version numbers in order.
func (r *Registry) Versions(subject string, deleted bool) ([]int, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	vs := r.st.versions(subject, deleted)
	if len(vs) == 0 {
		return nil, errSubjectNotFound(subject)
	}
	out := make([]int, len(vs))
	for i, sv := range vs {
		out[i] = sv.Version
	}
	return out, nil
}

// Latest returns a subject's latest version that is not deleted.
func (r *Registry) Latest(subject string) (SubjectVersion, error) {
	return r.Version(subject, LatestVersion, false)
}

// Version returns one version of a subject, or its latest for
// LatestVersion; soft-deleted versions are found only when deleted.
func (r *Registry) Version(subject string, version int, deleted bool) (SubjectVersion, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if len(r.st.versions(subject, deleted)) == 0 {
		return SubjectVersion{}, errSubjectNotFound(subject)
	}
	if version == LatestVersion {
		sv, _ := r.st.latest(subject, deleted)
		return clone(sv), nil
	}
	sv, ok := r.st.lookupVersion(subject, version)
	if !ok || (sv.Deleted && !deleted) {
		return SubjectVersion{}, errVersionNotFound(subject, version)
	}
	return clone(sv), nil
}

// ReferencedBy lists the ids of the live schemas that reference a
// subject's version.
func (r *Registry) ReferencedBy(subject string, version int) ([]int, error) {
	sv, err := r.Version(subject, version, true)
	if err != nil {
		return nil, err
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	var ids []int
	for _, ref := range r.st.referrers(subject, sv.Version) {
		ids = append(ids, ref.ID)
	}
	return slices.Compact(ids), nil
}
