package main

import "testing"

// The startup line counts the --auth-file users in English: one user,
// not "1 users".
func TestAuthSummary(t *testing.T) {
	for n, want := range map[int]string{
		0: "no authentication",
		1: "basic authentication for 1 user",
		2: "basic authentication for 2 users",
	} {
		if got := authSummary(n); got != want {
			t.Errorf("authSummary(%d) = %q, want %q", n, got, want)
		}
	}
}
