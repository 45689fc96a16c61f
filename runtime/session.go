package runtime

import (
	"slices"
	"sort"
)

// Session windows keep, per key, a small list of the key's sessions
// sorted by start. A key's sessions never come within the gap of one
// another (a record within the gap of two merges them), so the list is
// sorted by end as well, and the sessions a record merges are a run
// found by a binary search: no scan of every session and no bounds
// parsed back out of group keys. A record that extends its key's one
// session (nearly every record) re-keys that group in place: the list
// entry, the key's map entry and its expiry schedule stay as they are.

// sessionRef is a session in its key's list: its bounds and its group.
// A group not in memory (store-backed, evicted or never read since the
// store was attached) is flagged groupEvicted, and read again by its key
// when needed (see resolve).
type sessionRef struct {
	start, end int64
	g          *group
}

// keySessions is a key's sessions, oldest first, and when the oldest is
// due to expire (EMIT CHANGES): the key is scheduled once in
// sessionExpiry at dueAt, not once per update, since extending a session
// only postpones its expiry.
type keySessions struct {
	prefix string // the key values' encoding, the key in Aggregate.sessions
	list   []sessionRef
	dueAt  int64
	queued bool // dueAt is scheduled
}

// sessionDue schedules a key's expiry check; stale when the key has been
// rescheduled earlier or forgotten since (queued false or dueAt moved).
type sessionDue struct {
	at int64
	ks *keySessions
}

//lint:ignore U1000 called by minHeap through its type constraint, which staticcheck does not follow
func (d sessionDue) less(e sessionDue) bool { return d.at < e.at }

// within returns the run [lo, hi) of sessions that end at or after from
// and start at or before to: those a record within the gap of them
// merges.
func (ks *keySessions) within(from, to int64) (lo, hi int) {
	if ks == nil {
		return 0, 0
	}
	lo = sort.Search(len(ks.list), func(i int) bool { return ks.list[i].end >= from })
	hi = lo
	for hi < len(ks.list) && ks.list[hi].start <= to {
		hi++
	}
	return lo, hi
}

// resolve returns a session's group, read again from the store when not
// in memory; nil if it is gone.
func (a *Aggregate) resolve(s *sessionRef) *group {
	if s.g.flags&groupEvicted != 0 {
		g := a.lookup(s.g.key)
		if g == nil {
			return nil
		}
		s.g = g
	}
	return s.g
}

// processSession merges the row with every session of its key within the
// gap, emitting tombstones for the sessions it replaces.
func (a *Aggregate) processSession(t *Task, r *Rec, keys []any, args [][]any) {
	w := a.Window
	a.prefixBuf = appendKey(a.prefixBuf[:0], keys)
	ks := a.sessions[string(a.prefixBuf)]
	lo, hi := ks.within(r.Ts-w.Size, r.Ts+w.Size)
	start, end, maxTs := r.Ts, r.Ts, r.Ts
	for i := lo; i < hi; {
		s := &ks.list[i]
		g := a.resolve(s)
		if g == nil { // an entry whose group has gone: drop it
			ks.list = slices.Delete(ks.list, i, i+1)
			hi--
			continue
		}
		start, end, maxTs = min(start, s.start), max(end, s.end), max(maxTs, g.maxTs)
		i++
	}
	if a.sessionClosed(end) {
		t.stats.Late.Add(1) // late: the session the row would make has closed
		return
	}
	var g *group
	if hi-lo == 1 {
		g = a.extendSession(t, r, &ks.list[lo], start, end)
	}
	if g == nil {
		g = a.mergeSessions(t, r, keys, ks, lo, hi, start, end)
	}
	a.add(t, g, args)
	g.maxTs = maxTs
	if !w.Final {
		a.emitWindow(t, r, g, start, end, false)
	}
}

// extendSession makes the row's session [start, end] the one session s
// it lies within the gap of, re-keying s's group in place: the group,
// its values and its accumulators are kept, and so are its key's list
// and expiry schedule (a later end only postpones the expiry). It emits
// the tombstone of s's old window, as merging it would. nil, with nothing
// changed, when another group holds the new window's key already.
func (a *Aggregate) extendSession(t *Task, r *Rec, s *sessionRef, start, end int64) *group {
	g, w := s.g, a.Window
	if s.start == start && s.end == end {
		// The row lies inside the session: its key stays. The tombstone
		// Kafka Streams emits before the update goes out uncached; in
		// the output cache the update would replace it at once.
		if !w.Final && a.cache == nil {
			a.emitWindow(t, r, g, start, end, true)
		}
		a.changed(g)
		return g
	}
	a.keyBuf = append(append(a.keyBuf[:0], a.prefixBuf...), a.windowSuffix(start, end)...)
	if a.groups.getBytes(a.keyBuf) != nil || (a.backing != nil && a.lookup(string(a.keyBuf)) != nil) {
		return nil
	}
	// The old window leaves the table, and its pending output the group,
	// as a deleted group does; the flush writes its key deleted.
	if a.cache != nil && a.oldKeysNeverReturn() {
		// Its tombstone takes the group's pending output (or a new
		// entry) while the group still holds the old key, and stays
		// there, filed under no key: no group takes that key again.
		a.emitWindow(t, r, g, s.start, s.end, true)
		g.cacheAt = 0
		a.groups.del(g.key)
		if a.backing != nil {
			a.gone[g.key] = true
		}
	} else {
		a.detachGroup(g)
		if !w.Final {
			a.emitWindow(t, r, g, s.start, s.end, true)
		}
	}
	a.changed(g)
	a.rekeyedFrom = append(a.rekeyedFrom, g.key)
	g.key, g.start = string(a.keyBuf), start
	a.attachGroup(g)
	if w.Final {
		a.closing.push(end, start, g.key)
	}
	s.start, s.end = start, end
	return g
}

// oldKeysNeverReturn tells whether the key a session leaves when it grows
// can never be a group's again, so the output cache need not file its
// tombstone under it (see cachePut): sessions only grow while they live,
// and once one expires (stream time past its end plus the retention) a
// session ending within it would have closed (stream time past its end
// plus gap plus grace), were the retention no shorter than gap plus
// grace, as ksqlDB makes it.
func (a *Aggregate) oldKeysNeverReturn() bool {
	return a.Window.Retention >= a.Window.Size+a.Window.Grace
}

// mergeSessions replaces the sessions ks.list[lo:hi] (none, or several,
// or one whose new key a group holds) with a new group for the window
// [start, end], holding their accumulators merged, and emits their
// tombstones.
func (a *Aggregate) mergeSessions(t *Task, r *Rec, keys []any, ks *keySessions, lo, hi int, start, end int64) *group {
	// Deleting a session takes it off ks.list: the sessions are copied
	// out first. The key's entry stays for the new session.
	merged := a.merged[:0]
	if hi > lo {
		merged = append(merged, ks.list[lo:hi]...)
	}
	var acc []any
	for _, s := range merged {
		g := s.g
		a.deleteSessionAt(ks, lo)
		if !a.Window.Final {
			a.emitWindow(t, r, g, s.start, s.end, true)
		}
		if acc == nil {
			acc = a.accsOf(g)
			continue
		}
		for j, f := range a.Funcs {
			if f.Merge != nil {
				acc[j] = f.Merge(acc[j], a.accsOf(g)[j])
			}
		}
	}
	clear(merged) // scratch for the next row, pinning no group
	a.merged = merged[:0]
	g := a.group(keys, start, end)
	if acc != nil {
		copy(a.accsOf(g), acc)
	}
	return g
}

// deleteSessionAt deletes the session ks.list[i], as deleteGroup does,
// with no look-up of its group or its key's list. The key's entry stays,
// empty or not.
func (a *Aggregate) deleteSessionAt(ks *keySessions, i int) {
	g := a.resolve(&ks.list[i])
	ks.list = slices.Delete(ks.list, i, i+1)
	if g != nil {
		a.detachGroup(g)
		a.changed(g) // the flush writes its key deleted
	}
}

// forgetKey drops a key left with no session.
func (a *Aggregate) forgetKey(ks *keySessions) {
	if a.sessions[ks.prefix] == ks {
		delete(a.sessions, ks.prefix)
	}
	ks.queued = false // a scheduled check finds it forgotten
}

// indexSession files a group's session in its key's list, and schedules
// the key's expiry check if the session expires first.
func (a *Aggregate) indexSession(g *group, start, end int64) {
	a.prefixBuf = appendKey(a.prefixBuf[:0], a.keysOf(g))
	ks := a.sessions[string(a.prefixBuf)]
	if ks == nil {
		ks = &keySessions{prefix: string(a.prefixBuf)}
		a.sessions[ks.prefix] = ks
	}
	// After the sessions of the same start: a restore replays a re-keyed
	// session's new key before its old key's deletion.
	i := sort.Search(len(ks.list), func(i int) bool { return ks.list[i].start > start })
	ks.list = slices.Insert(ks.list, i, sessionRef{start: start, end: end, g: g})
	if !a.Window.Final {
		a.scheduleExpiry(ks, end+a.Window.Retention)
	}
}

// unindexSession takes a group's session off its key's list, and forgets
// the key when it has no session left.
func (a *Aggregate) unindexSession(g *group) {
	a.prefixBuf = appendKey(a.prefixBuf[:0], a.keysOf(g))
	ks := a.sessions[string(a.prefixBuf)]
	if ks == nil {
		return
	}
	for i := sort.Search(len(ks.list), func(i int) bool { return ks.list[i].start >= g.start }); i < len(ks.list) && ks.list[i].start == g.start; i++ {
		if ks.list[i].g.key == g.key {
			ks.list = slices.Delete(ks.list, i, i+1)
			break
		}
	}
	if len(ks.list) == 0 {
		a.forgetKey(ks)
	}
}

// scheduleExpiry makes sure ks is checked for expired sessions once
// stream time passes at.
func (a *Aggregate) scheduleExpiry(ks *keySessions, at int64) {
	if ks.queued && ks.dueAt <= at {
		return
	}
	ks.dueAt, ks.queued = at, true
	a.sessionExpiry.push(sessionDue{at: at, ks: ks})
}

// expireSessions forgets the sessions whose retention stream time has
// passed (EMIT CHANGES): a session expires once stream time passes its
// end plus the retention, as Kafka Streams drops a session store's
// expired segments. A key's sessions expire oldest first, so each due key
// drops a prefix of its list and is scheduled again for the next.
func (a *Aggregate) expireSessions() {
	for len(a.sessionExpiry) > 0 && a.sessionExpiry[0].at < a.streamTime {
		d := a.sessionExpiry.pop()
		ks := d.ks
		if !ks.queued || ks.dueAt != d.at {
			continue // rescheduled earlier, or forgotten
		}
		ks.queued = false
		for len(ks.list) > 0 && ks.list[0].end+a.Window.Retention < a.streamTime {
			a.deleteSessionAt(ks, 0)
		}
		if len(ks.list) > 0 {
			a.scheduleExpiry(ks, ks.list[0].end+a.Window.Retention)
		} else {
			a.forgetKey(ks)
		}
	}
}
