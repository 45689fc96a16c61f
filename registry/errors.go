package registry

import (
	"context"
	"errors"
	"fmt"
	"net/http"
)

// Error codes, as Confluent Schema Registry reports them in the
// "error_code" field of an error body. A five-digit code's first three
// digits are its HTTP status.
const (
	CodeSubjectNotFound           = 40401
	CodeVersionNotFound           = 40402
	CodeSchemaNotFound            = 40403
	CodeSubjectSoftDeleted        = 40404
	CodeSubjectNotSoftDeleted     = 40405
	CodeVersionSoftDeleted        = 40406
	CodeVersionNotSoftDeleted     = 40407
	CodeSubjectLevelConfigMissing = 40408
	CodeIncompatible              = 409
	CodeInvalidSchema             = 42201
	CodeInvalidVersion            = 42202
	CodeInvalidCompatibility      = 42203
	CodeInvalidMode               = 42204
	CodeReferenceExists           = 42206
	CodeInvalidSubject            = 42208
	CodeStore                     = 50001
	CodeTimeout                   = 50002
)

// Error is a registry error with its Confluent error code. The Go methods
// of Registry return it (wrapped at most by fmt.Errorf's %w) so callers
// can tell "not found" from a store failure with errors.As.
type Error struct {
	Code    int
	Message string
	// Details, for incompatibility, lists what made the schema
	// incompatible.
	Details []string
	err     error // cause, for store errors
}

func (e *Error) Error() string { return e.Message }

// Unwrap returns the underlying cause of a store error.
func (e *Error) Unwrap() error { return e.err }

// Status is the HTTP status the code maps to.
func (e *Error) Status() int {
	switch {
	case e.Code >= 10000:
		return e.Code / 100
	case e.Code >= 100 && e.Code < 600:
		return e.Code
	default:
		return http.StatusInternalServerError
	}
}

func errorf(code int, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// storeError wraps a failure to read or write the schemas topic; a
// deadline is a timeout (50002).
func storeError(err error, format string, args ...any) *Error {
	code := CodeStore
	if errors.Is(err, context.DeadlineExceeded) {
		code = CodeTimeout
	}
	msg := fmt.Sprintf(format, args...)
	return &Error{Code: code, Message: msg + ": " + err.Error(), err: err}
}

// IsNotFound reports whether err is a subject, version or schema not
// found error.
func IsNotFound(err error) bool {
	var e *Error
	if !errors.As(err, &e) {
		return false
	}
	switch e.Code {
	case CodeSubjectNotFound, CodeVersionNotFound, CodeSchemaNotFound:
		return true
	}
	return false
}

// ErrorCode returns err's registry error code, or 0 for another error.
func ErrorCode(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return 0
}

func errSubjectNotFound(subject string) *Error {
	return errorf(CodeSubjectNotFound, "Subject '%s' not found.", subject)
}

func errVersionNotFound(subject string, version int) *Error {
	return errorf(CodeVersionNotFound, "Version %d not found for subject '%s'.", version, subject)
}

func errSchemaNotFound() *Error {
	return errorf(CodeSchemaNotFound, "Schema not found")
}

func errInvalidSchema(err error) *Error {
	return &Error{Code: CodeInvalidSchema, Message: "Invalid schema: " + err.Error(), err: err}
}
