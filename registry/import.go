package registry

import (
	"context"
	"errors"

	"github.com/eddysql/eddy/kafka"
)

// CodeOperationNotPermitted is reported when an import would give an id
// to a second schema, or a second id to a schema under one subject.
const CodeOperationNotPermitted = 42205

// RegisterWithID registers s under subject with a chosen id, as Confluent
// Schema Registry's IMPORT mode does (and as test harnesses pre-declare
// schemas): the id must be positive and either unused or already the id
// of the same schema. Compatibility is not checked, as in IMPORT mode;
// the schema must parse and its references must resolve. Registering
// the same schema under the same subject and id again returns the
// existing version. Later registrations of the same schema text reuse the
// id, and new schemas get ids above it.
func (r *Registry) RegisterWithID(ctx context.Context, subject string, s Schema, id int) (version int, err error) {
	if err := checkSubject(subject); err != nil {
		return 0, err
	}
	if id <= 0 {
		return 0, errorf(CodeInvalidSchema, "Invalid schema id %d: ids are positive", id)
	}
	norm, err := normalize(s)
	if err != nil {
		return 0, errInvalidSchema(err)
	}
	r.writeMu.Lock()
	defer r.writeMu.Unlock()
	ctx, cancel := r.writeCtx(ctx)
	defer cancel()
	if err := r.Sync(ctx); err != nil {
		return 0, err
	}
	r.mu.RLock()
	next, exists, err := r.prepareWithID(subject, norm, id)
	r.mu.RUnlock()
	if err != nil || exists {
		return next.Version, err
	}
	if err := r.write(ctx, kafka.Record{Key: schemaKey(subject, next.Version), Value: encodeVersion(&next)}); err != nil {
		return 0, err
	}
	r.mu.RLock()
	got, ok := r.st.lookupVersion(subject, next.Version)
	ok = ok && got.ID == id && contentKey(got.Schema) == contentKey(norm)
	r.mu.RUnlock()
	if !ok {
		return 0, storeError(errors.New("another registry wrote the same version concurrently"),
			"register version %d of subject %q", next.Version, subject)
	}
	return next.Version, nil
}

// prepareWithID is prepare for RegisterWithID; r.mu must be held.
func (r *Registry) prepareWithID(subject string, norm Schema, id int) (sv SubjectVersion, exists bool, err error) {
	st := r.st
	key := contentKey(norm)
	if e := st.ids[id]; e != nil && e.key != key {
		return SubjectVersion{}, false, errorf(CodeOperationNotPermitted,
			"Overwrite new schema with id %d is not permitted: the id belongs to another schema", id)
	}
	if old := st.find(subject, norm, false); old != nil {
		if old.ID != id {
			return SubjectVersion{}, false, errorf(CodeOperationNotPermitted,
				"The schema is already registered under subject %q with id %d, not %d", subject, old.ID, id)
		}
		return clone(old), true, nil
	}
	if _, err := parse(norm, st); err != nil {
		return SubjectVersion{}, false, errInvalidSchema(err)
	}
	return SubjectVersion{Subject: subject, Version: st.nextVersion(subject), ID: id, Schema: norm}, false, nil
}
