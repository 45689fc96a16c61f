package server

import (
	"bufio"
	"crypto/sha256"
	"fmt"
	"maps"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"

	"golang.org/x/crypto/bcrypt"
)

// Users maps user names to bcrypt password hashes.
type Users map[string][]byte

// LoadAuthFile reads "user:bcrypt-hash" lines; blank lines and lines
// starting with '#' are skipped. A file that group or others may read is
// refused: its hashes can be attacked offline.
func LoadAuthFile(path string) (Users, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open auth file: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("auth file %s: %w", path, err)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("auth file %s is accessible by group or others (mode %04o); make it private to its owner: chmod 600 %s", path, perm, path)
	}
	users := Users{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		user, hash, ok := strings.Cut(line, ":")
		if !ok || user == "" {
			return nil, fmt.Errorf("auth file %s:%d: want user:bcrypt-hash", path, n)
		}
		if _, err := bcrypt.Cost([]byte(hash)); err != nil {
			return nil, fmt.Errorf("auth file %s:%d: user %s: not a bcrypt hash: %w", path, n, user, err)
		}
		users[user] = []byte(hash)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read auth file %s: %w", path, err)
	}
	if len(users) == 0 {
		return nil, fmt.Errorf("auth file %s names no users", path)
	}
	return users, nil
}

// authenticator checks HTTP basic credentials. bcrypt is slow on
// purpose, so credentials that passed are remembered (as a SHA-256 of
// user and password, never the password) for the life of the server.
type authenticator struct {
	users Users
	dummy []byte // compared against for unknown users, to even out timing

	mu sync.Mutex
	ok map[[32]byte]struct{}
}

// maxRemembered bounds the cache of verified credentials.
const maxRemembered = 1024

func newAuthenticator(users Users) *authenticator {
	a := &authenticator{users: users, ok: map[[32]byte]struct{}{}}
	if len(users) > 0 {
		a.dummy, _ = bcrypt.GenerateFromPassword([]byte("eddy-dummy-password"), bcrypt.MinCost)
	}
	return a
}

// Checker returns a function that checks a user's password against the
// hashes, remembering credentials that passed as the REST API does; the
// embedded broker and registry use it to accept the same users.
func (u Users) Checker() func(user, password string) bool {
	return newAuthenticator(u).check
}

// Names lists the users.
func (u Users) Names() []string {
	return slices.Sorted(maps.Keys(u))
}

func (a *authenticator) enabled() bool { return len(a.users) > 0 }

func (a *authenticator) check(user, pass string) bool {
	key := sha256.Sum256([]byte(user + "\x00" + pass))
	a.mu.Lock()
	_, known := a.ok[key]
	a.mu.Unlock()
	if known {
		return true
	}
	hash, found := a.users[user]
	if !found {
		_ = bcrypt.CompareHashAndPassword(a.dummy, []byte(pass))
		return false
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(pass)) != nil {
		return false
	}
	a.mu.Lock()
	if len(a.ok) < maxRemembered {
		a.ok[key] = struct{}{}
	}
	a.mu.Unlock()
	return true
}

// middleware refuses requests without valid credentials with 401 before
// anything runs.
func (a *authenticator) middleware(next http.Handler) http.Handler {
	if !a.enabled() {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pass, ok := r.BasicAuth()
		if !ok || !a.check(user, pass) {
			if r.Header.Get(consoleHeader) == "" {
				w.Header().Set("WWW-Authenticate", `Basic realm="eddy"`)
			}
			writeError(w, genericError(codeUnauthorized, "Unauthorized"))
			return
		}
		next.ServeHTTP(w, r)
	})
}
