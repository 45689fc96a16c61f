package jsonref

import "testing"

func TestResolve(t *testing.T) {
	for _, tc := range []struct{ base, ref, want string }{
		{"", "address.json", "address.json"},
		{"", "./address.json", "address.json"},
		{"schemas/customer.json", "address.json", "schemas/address.json"},
		{"schemas/customer.json", "../common/a.json", "common/a.json"},
		{"https://example.com/schemas/customer.json", "address.json", "https://example.com/schemas/address.json"},
		{"https://example.com/schemas/customer.json", "/a.json", "https://example.com/a.json"},
		{"schemas/customer.json", "https://example.com/a.json", "https://example.com/a.json"},
		{"schemas/customer.json", "/a.json", "/a.json"},
	} {
		if got := Resolve(tc.base, tc.ref); got != tc.want {
			t.Errorf("Resolve(%q, %q) = %q, want %q", tc.base, tc.ref, got, tc.want)
		}
	}
}

func TestDocs(t *testing.T) {
	var d Docs[int]
	d.Add("", "address.json", 1)
	d.Add("", "./address.json", 2) // the same name: the first stays
	d.Add("https://example.com/s/root.json", "country.json", 3)
	for _, tc := range []struct {
		base, uri string
		want      int
	}{
		{"", "address.json", 1},
		{"", "./address.json", 1},
		{"https://example.com/s/root.json", "address.json", 1}, // by name alone
		{"https://example.com/s/root.json", "country.json", 3},
		{"https://example.com/s/other.json", "https://example.com/s/country.json", 3},
		{"", "missing.json", 0},
	} {
		got, ok := d.Find(tc.base, tc.uri)
		if ok != (tc.want != 0) || got != tc.want {
			t.Errorf("Find(%q, %q) = %d, %v; want %d", tc.base, tc.uri, got, ok, tc.want)
		}
	}
	if uri, frag := Split("address.json#/definitions/X"); uri != "address.json" || frag != "/definitions/X" {
		t.Errorf("Split: %q %q", uri, frag)
	}
}
