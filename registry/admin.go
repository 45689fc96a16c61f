package registry

import (
	"context"
	"fmt"

	"github.com/eddysql/eddy/kafka"
)

// DeleteSubject soft-deletes every version of subject and returns their
// numbers; with permanent, it hard-deletes a subject already soft-deleted
// (and its compatibility setting), returning every version removed.
func (r *Registry) DeleteSubject(ctx context.Context, subject string, permanent bool) ([]int, error) {
	r.writeMu.Lock()
	defer r.writeMu.Unlock()
	ctx, cancel := r.writeCtx(ctx)
	defer cancel()
	if err := r.Sync(ctx); err != nil {
		return nil, err
	}
	r.mu.RLock()
	all := r.st.versions(subject, true)
	live := r.st.versions(subject, false)
	_, hasLevel := r.st.levels[subject]
	var blocked error
	if !permanent {
		blocked = r.referencedLocked(subject, live)
	}
	r.mu.RUnlock()
	if len(all) == 0 {
		return nil, errSubjectNotFound(subject)
	}
	var recs []kafka.Record
	var nums []int
	switch {
	case blocked != nil:
		return nil, blocked
	case !permanent && len(live) == 0:
		return nil, errorf(CodeSubjectSoftDeleted,
			"Subject '%s' was soft deleted. Set permanent=true to delete permanently", subject)
	case !permanent:
		for _, sv := range live {
			d := clone(sv)
			d.Deleted = true
			recs = append(recs, kafka.Record{Key: schemaKey(subject, sv.Version), Value: encodeVersion(&d)})
			nums = append(nums, sv.Version)
		}
	case len(live) > 0:
		return nil, errorf(CodeSubjectNotSoftDeleted,
			"Subject '%s' was not deleted first before being permanently deleted", subject)
	default:
		for _, sv := range all {
			recs = append(recs, kafka.Record{Key: schemaKey(subject, sv.Version)})
			nums = append(nums, sv.Version)
		}
		if hasLevel {
			recs = append(recs, kafka.Record{Key: configKey(&subject)})
		}
	}
	if err := r.write(ctx, recs...); err != nil {
		return nil, err
	}
	return nums, nil
}

// referencedLocked fails when another subject's live schema references
// one of vs. r.mu must be held.
func (r *Registry) referencedLocked(subject string, vs []*SubjectVersion) error {
	for _, sv := range vs {
		for _, ref := range r.st.referrers(subject, sv.Version) {
			if ref.Subject != subject {
				return errorf(CodeReferenceExists,
					"One or more references exist to the schema {subject=%s, version=%d}: %s", subject, sv.Version, ref)
			}
		}
	}
	return nil
}

// DeleteVersion soft-deletes one version of subject (LatestVersion: the
// latest); with permanent, it hard-deletes a version already
// soft-deleted. It returns the version number.
func (r *Registry) DeleteVersion(ctx context.Context, subject string, version int, permanent bool) (int, error) {
	r.writeMu.Lock()
	defer r.writeMu.Unlock()
	ctx, cancel := r.writeCtx(ctx)
	defer cancel()
	if err := r.Sync(ctx); err != nil {
		return 0, err
	}
	r.mu.RLock()
	var sv *SubjectVersion
	ok := len(r.st.versions(subject, true)) > 0
	if ok {
		if version == LatestVersion {
			sv, _ = r.st.latest(subject, false)
			if sv == nil && permanent {
				sv, _ = r.st.latest(subject, true)
			}
		} else {
			sv, _ = r.st.lookupVersion(subject, version)
		}
	}
	var blocked error
	if sv != nil && !permanent && !sv.Deleted {
		blocked = r.referencedLocked(subject, []*SubjectVersion{sv})
	}
	var d SubjectVersion
	if sv != nil {
		d = clone(sv)
	}
	r.mu.RUnlock()
	switch {
	case !ok:
		return 0, errSubjectNotFound(subject)
	case sv == nil:
		return 0, errVersionNotFound(subject, version)
	case blocked != nil:
		return 0, blocked
	case !permanent && d.Deleted:
		return 0, errorf(CodeVersionSoftDeleted,
			"Version %d of subject '%s' was soft deleted. Set permanent=true to delete permanently", d.Version, subject)
	case permanent && !d.Deleted:
		return 0, errorf(CodeVersionNotSoftDeleted,
			"Version %d of subject '%s' was not deleted first before being permanently deleted", d.Version, subject)
	}
	rec := kafka.Record{Key: schemaKey(subject, d.Version)}
	if !permanent {
		d.Deleted = true
		rec.Value = encodeVersion(&d)
	}
	if err := r.write(ctx, rec); err != nil {
		return 0, err
	}
	return d.Version, nil
}

// GlobalCompatibility is the level of subjects without their own.
func (r *Registry) GlobalCompatibility() Level {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.st.globalLevel()
}

// Compatibility returns subject's own level; ok is false when it has
// none (the global level applies).
func (r *Registry) Compatibility(subject string) (level Level, ok bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	level, ok = r.st.levels[subject]
	return level, ok
}

// SetGlobalCompatibility sets the global level.
func (r *Registry) SetGlobalCompatibility(ctx context.Context, level Level) error {
	return r.writeConfig(ctx, nil, level)
}

// SetCompatibility sets subject's level; the subject need not exist yet.
func (r *Registry) SetCompatibility(ctx context.Context, subject string, level Level) error {
	if err := checkSubject(subject); err != nil {
		return err
	}
	return r.writeConfig(ctx, &subject, level)
}

// DeleteGlobalCompatibility resets the global level to DefaultLevel and
// returns the previous one.
func (r *Registry) DeleteGlobalCompatibility(ctx context.Context) (Level, error) {
	prev := r.GlobalCompatibility()
	return prev, r.writeConfig(ctx, nil, "")
}

// DeleteCompatibility removes subject's own level, so the global one
// applies, and returns the level that applied before.
func (r *Registry) DeleteCompatibility(ctx context.Context, subject string) (Level, error) {
	r.mu.RLock()
	prev, has := r.st.levels[subject]
	exists := len(r.st.versions(subject, true)) > 0
	if !has {
		prev = r.st.globalLevel()
	}
	r.mu.RUnlock()
	if !has && !exists {
		return "", errSubjectNotFound(subject)
	}
	if !has {
		return prev, nil
	}
	return prev, r.writeConfig(ctx, &subject, "")
}

// writeConfig writes a level, or removes it when level is "".
func (r *Registry) writeConfig(ctx context.Context, subject *string, level Level) error {
	rec := kafka.Record{Key: configKey(subject)}
	if level != "" {
		l, err := ParseLevel(string(level))
		if err != nil {
			return err
		}
		rec.Value = mustJSON(configRecord{CompatibilityLevel: l})
	}
	r.writeMu.Lock()
	defer r.writeMu.Unlock()
	ctx, cancel := r.writeCtx(ctx)
	defer cancel()
	if err := r.write(ctx, rec); err != nil {
		return fmt.Errorf("set compatibility: %w", err)
	}
	return nil
}
