package runtime

import "slices"

// closeQueue files windows by a time (when they close, or expire) and
// hands them back in (time, start, key) order. Windows sharing a time and
// start — every key's window of one tumbling period — share one bucket:
// filing a window appends to its bucket, and only the distinct times sit
// in a heap, so a record costs O(1) amortized however many keys are open
// (a heap of every window compared keys through pointers at each level,
// which cache misses made slower as keys grew).
type closeQueue struct {
	buckets map[closeTime][]string
	times   timeHeap
}

// closeTime is a bucket's time (end: the close or expiry time) and the
// window start.
type closeTime struct{ end, start int64 }

// push files the window stored under key.
func (q *closeQueue) push(end, start int64, key string) {
	if q.buckets == nil {
		q.buckets = map[closeTime][]string{}
	}
	t := closeTime{end, start}
	b, ok := q.buckets[t]
	if !ok {
		q.times.push(t)
	}
	q.buckets[t] = append(b, key)
}

// next returns the earliest bucket's time, ok false when empty.
func (q *closeQueue) next() (closeTime, bool) {
	if len(q.times) == 0 {
		return closeTime{}, false
	}
	return q.times[0], true
}

// pop removes the earliest bucket and returns its keys in order.
func (q *closeQueue) pop() []string {
	t := q.times.pop()
	keys := q.buckets[t]
	delete(q.buckets, t)
	slices.Sort(keys)
	return keys
}

// timeHeap is a min-heap of bucket times. Its own push and pop, not
// container/heap's, so a time is not boxed in an interface (one
// allocation per new time: per row, for sessions).
type timeHeap []closeTime

func (t closeTime) less(u closeTime) bool {
	if t.end != u.end {
		return t.end < u.end
	}
	return t.start < u.start
}

func (h *timeHeap) push(t closeTime) {
	*h = append(*h, t)
	s := *h
	for i := len(s) - 1; i > 0; {
		p := (i - 1) / 2
		if !s[i].less(s[p]) {
			break
		}
		s[i], s[p] = s[p], s[i]
		i = p
	}
}

func (h *timeHeap) pop() closeTime {
	s := *h
	top := s[0]
	n := len(s) - 1
	s[0] = s[n]
	s = s[:n]
	for i := 0; ; {
		l, m := 2*i+1, i
		if l < n && s[l].less(s[m]) {
			m = l
		}
		if r := l + 1; r < n && s[r].less(s[m]) {
			m = r
		}
		if m == i {
			break
		}
		s[i], s[m] = s[m], s[i]
		i = m
	}
	*h = s
	return top
}
