// Package options reads a connector's configuration against its spec:
// values typed, defaults from the spec when a key is absent, and a clear
// error naming the key when a value does not parse. The runtime fills
// defaults before a task is built; reading them again here keeps a task
// correct when it is built directly (tests, tools).
package options

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/eddysql/eddy/connect"
)

// Reader reads typed options from a config.
type Reader struct {
	cfg      connect.Config
	defaults map[string]string
	errs     []string
}

// New returns a Reader over cfg with defaults from spec.
func New(cfg connect.Config, spec []connect.ConfigField) *Reader {
	d := make(map[string]string, len(spec))
	for _, f := range spec {
		d[f.Name] = f.Default
	}
	return &Reader{cfg: cfg, defaults: d}
}

// Raw returns a key's value, or its spec default when it is absent.
func (r *Reader) Raw(key string) string {
	if v, ok := r.cfg[key]; ok {
		return strings.TrimSpace(v)
	}
	return r.defaults[key]
}

// String returns a key's value or default.
func (r *Reader) String(key string) string { return r.Raw(key) }

// Lower returns a key's value lower-cased (for enums).
func (r *Reader) Lower(key string) string { return strings.ToLower(r.Raw(key)) }

// Int returns a key's value as an integer; a malformed one is recorded.
func (r *Reader) Int(key string) int64 {
	v := r.Raw(key)
	if v == "" {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		r.errs = append(r.errs, fmt.Sprintf("Invalid value %s for configuration %s: Not a number", v, key))
	}
	return n
}

// Bool returns a key's value as a boolean; a malformed one is recorded.
func (r *Reader) Bool(key string) bool {
	switch v := r.Lower(key); v {
	case "true":
		return true
	case "false", "":
		return false
	default:
		r.errs = append(r.errs, fmt.Sprintf("Invalid value %s for configuration %s: Expected value to be either true or false", v, key))
		return false
	}
}

// List returns a comma-separated key's items, blanks trimmed.
func (r *Reader) List(key string) []string {
	var out []string
	for _, s := range strings.Split(r.Raw(key), ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// OneOf returns a key's value lower-cased, recording an error when it is
// not one of allowed.
func (r *Reader) OneOf(key string, allowed ...string) string {
	v := r.Lower(key)
	for _, a := range allowed {
		if v == strings.ToLower(a) {
			return v
		}
	}
	r.errs = append(r.errs, fmt.Sprintf("Invalid value %s for configuration %s: String must be one of: %s", r.Raw(key), key, strings.Join(allowed, ", ")))
	return v
}

// Fail records a problem found by the caller.
func (r *Reader) Fail(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

// Err returns every problem recorded, or nil.
func (r *Reader) Err() error {
	if len(r.errs) == 0 {
		return nil
	}
	return fmt.Errorf("%s", strings.Join(r.errs, "; "))
}
