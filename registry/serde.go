package registry

import (
	"context"
	"fmt"
	"time"

	"github.com/eddysql/eddy/serde"
)

// Client adapts an in-process Registry to the serde.Registry the formats
// use, so an embedded eddy reads and registers schemas without HTTP.
func (r *Registry) Client() serde.Registry { return serdeClient{r} }

type serdeClient struct{ r *Registry }

// timeout bounds a registration, which waits for the schemas topic.
const timeout = 30 * time.Second

func (c serdeClient) Register(subject string, s serde.RegSchema) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	id, _, err := c.r.Register(ctx, subject, toSchema(s))
	if err != nil {
		// The registry's answer as it is: the serde that registers
		// names the subject, as for an external registry.
		return 0, unanswered(err)
	}
	return id, nil
}

// unanswered marks an error that is not the registry's answer (its
// schemas topic could not be written or read in time) as one that may
// pass; coded 4xx answers stay as they are.
func unanswered(err error) error {
	if c := ErrorCode(err); c == 0 || c/100 == 5 || c/10000 == 5 {
		return serde.Unavailable(err)
	}
	return err
}

func (c serdeClient) ByID(id int) (serde.RegSchema, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	s, err := c.r.SchemaByID(ctx, id)
	if ErrorCode(err) == CodeSchemaNotFound {
		return serde.RegSchema{}, serde.NotFound(err, serde.ErrSchemaNotFound)
	}
	if err != nil {
		return serde.RegSchema{}, unanswered(err) // callers name the id, as for an external registry
	}
	return fromSchema(s), nil
}

func (c serdeClient) Latest(subject string) (int, serde.RegSchema, error) {
	sv, err := c.r.Latest(subject)
	if ErrorCode(err) == CodeSubjectNotFound {
		return 0, serde.RegSchema{}, fmt.Errorf("%s: %w", subject, serde.ErrSubjectNotFound)
	}
	if err != nil {
		return 0, serde.RegSchema{}, fmt.Errorf("latest schema of %s: %w", subject, err)
	}
	return sv.ID, fromSchema(sv.Schema), nil
}

// DeleteSubject soft-deletes subject; one that does not exist is left.
func (c serdeClient) DeleteSubject(subject string) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if _, err := c.r.DeleteSubject(ctx, subject, false); err != nil && ErrorCode(err) != CodeSubjectNotFound {
		return err
	}
	return nil
}

// SubjectsByID lists the subjects with a (not deleted) version using id.
func (c serdeClient) SubjectsByID(id int) ([]string, error) {
	svs, err := c.r.VersionsByID(id, false)
	if ErrorCode(err) == CodeSchemaNotFound {
		return nil, serde.NotFound(err, serde.ErrSchemaNotFound)
	}
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(svs))
	for _, sv := range svs {
		out = append(out, sv.Subject)
	}
	return out, nil
}

func (c serdeClient) Version(subject string, version int) (int, serde.RegSchema, error) {
	sv, err := c.r.Version(subject, version, false)
	if err != nil {
		return 0, serde.RegSchema{}, fmt.Errorf("schema %s version %d: %w", subject, version, err)
	}
	return sv.ID, fromSchema(sv.Schema), nil
}

func toSchema(s serde.RegSchema) Schema {
	out := Schema{Type: SchemaType(s.Type), Schema: s.Schema}
	for _, r := range s.References {
		out.References = append(out.References, Reference{Name: r.Name, Subject: r.Subject, Version: r.Version})
	}
	return out
}

func fromSchema(s Schema) serde.RegSchema {
	out := serde.RegSchema{Type: string(s.Type), Schema: s.Schema}
	if out.Type == "" {
		out.Type = string(Avro)
	}
	for _, r := range s.References {
		out.References = append(out.References, serde.RegReference{Name: r.Name, Subject: r.Subject, Version: r.Version})
	}
	return out
}
