package expr

import (
	"net/url"
	"strconv"
	"strings"
)

// urlEncodeParam is form encoding as Java's URLEncoder does it: letters,
// digits and ".-*_" stay, space becomes '+', other bytes are %XX.
func urlEncodeParam(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', strings.IndexByte(".-*_", c) >= 0:
			b.WriteByte(c)
		case c == ' ':
			b.WriteByte('+')
		default:
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
		}
	}
	return b.String()
}

// urlPart parses its argument as a URL and extracts one part; a missing
// part is NULL.
func urlPart(f func(u *url.URL, raw string) (any, bool)) func([]any) (any, error) {
	return func(a []any) (any, error) {
		raw := a[0].(string)
		u, err := url.Parse(raw)
		if err != nil {
			return nil, err
		}
		v, ok := f(u, raw)
		if !ok {
			return nil, nil
		}
		return v, nil
	}
}

// hasQuery reports whether raw, minus its fragment, holds a query mark.
func hasQuery(raw string) bool {
	if i := strings.IndexByte(raw, '#'); i >= 0 {
		raw = raw[:i]
	}
	return strings.Contains(raw, "?")
}

func registerURL(r *Registry) {
	r.add("URL_ENCODE_PARAM", ov(tStr, str1(func(s string) any { return urlEncodeParam(s) }), tStr))
	r.add("URL_DECODE_PARAM", ov(tStr, func(a []any) (any, error) {
		return url.QueryUnescape(a[0].(string))
	}, tStr))

	r.add("URL_EXTRACT_PROTOCOL", ov(tStr, urlPart(func(u *url.URL, _ string) (any, bool) {
		return u.Scheme, u.Scheme != ""
	}), tStr))
	r.add("URL_EXTRACT_HOST", ov(tStr, urlPart(func(u *url.URL, _ string) (any, bool) {
		return u.Hostname(), u.Host != ""
	}), tStr))
	r.add("URL_EXTRACT_PORT", ov(tInt, urlPart(func(u *url.URL, _ string) (any, bool) {
		p, err := strconv.Atoi(u.Port())
		return int32(p), err == nil
	}), tStr))
	r.add("URL_EXTRACT_PATH", ov(tStr, urlPart(func(u *url.URL, _ string) (any, bool) {
		if u.Opaque != "" {
			return nil, false
		}
		return u.Path, true
	}), tStr))
	r.add("URL_EXTRACT_QUERY", ov(tStr, urlPart(func(u *url.URL, raw string) (any, bool) {
		q, err := url.PathUnescape(u.RawQuery)
		return q, err == nil && hasQuery(raw)
	}), tStr))
	r.add("URL_EXTRACT_FRAGMENT", ov(tStr, urlPart(func(u *url.URL, raw string) (any, bool) {
		return u.Fragment, strings.Contains(raw, "#")
	}), tStr))
	// URL_EXTRACT_PARAMETER returns the first value of the parameter in
	// the decoded query, as ksqlDB splits java.net.URI's getQuery: names
	// and values are matched and returned with their %XX escapes decoded
	// ('+' stays), and an escaped '&' or '=' separates as one written out
	// does. A parameter without '=' has the empty value; a URL without a
	// query has no parameters.
	r.add("URL_EXTRACT_PARAMETER", ov(tStr, func(a []any) (any, error) {
		raw := a[0].(string)
		u, err := url.Parse(raw)
		if err != nil {
			return nil, err
		}
		if !hasQuery(raw) {
			return nil, nil
		}
		query, err := url.PathUnescape(u.RawQuery)
		if err != nil {
			return nil, err
		}
		name := a[1].(string)
		for _, p := range strings.Split(query, "&") {
			k, v, _ := strings.Cut(p, "=")
			if k == name {
				return v, nil
			}
		}
		return nil, nil
	}, tStr, tStr))
}
