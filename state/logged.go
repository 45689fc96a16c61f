package state

import (
	"bytes"
	"fmt"
	"slices"
)

// Change is one changelog record: a key's new value, or its deletion
// when Value is nil.
type Change struct{ Key, Value []byte }

// Logged wraps a Store and remembers which keys changed since the last
// Drain, keeping only each key's last write: a record cache, as Kafka
// Streams batches changelog writes, so a key updated a thousand times
// between two commits costs one changelog record.
type Logged struct {
	Store
	dirty map[string][]byte // key -> last value; nil value = deleted
}

// NewLogged wraps s; writes go to s at once and are remembered for Drain.
func NewLogged(s Store) *Logged {
	return &Logged{Store: s, dirty: map[string][]byte{}}
}

func (l *Logged) Put(key, value []byte) error {
	if err := l.Store.Put(key, value); err != nil {
		return err
	}
	v := make([]byte, len(value)) // non-nil even when empty: not a delete
	copy(v, value)
	l.dirty[string(key)] = v
	return nil
}

func (l *Logged) Delete(key []byte) error {
	if err := l.Store.Delete(key); err != nil {
		return err
	}
	l.dirty[string(key)] = nil
	return nil
}

// Drain returns the changes since the last Drain in key order and
// forgets them. The wrapped store already holds them.
func (l *Logged) Drain() []Change {
	if len(l.dirty) == 0 {
		return nil
	}
	out := make([]Change, 0, len(l.dirty))
	for k, v := range l.dirty {
		out = append(out, Change{Key: []byte(k), Value: v})
	}
	slices.SortFunc(out, func(a, b Change) int { return bytes.Compare(a.Key, b.Key) })
	clear(l.dirty)
	return out
}

// Apply writes changelog records to s, in order: how a store is restored
// from its changelog.
func Apply(s Store, changes []Change) error {
	for i, c := range changes {
		var err error
		if c.Value == nil {
			err = s.Delete(c.Key)
		} else {
			err = s.Put(c.Key, c.Value)
		}
		if err != nil {
			return fmt.Errorf("apply change %d of %d: %w", i+1, len(changes), err)
		}
	}
	return nil
}
