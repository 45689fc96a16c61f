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

// timeHeap holds bucket times, the earliest at [0].
type timeHeap = minHeap[closeTime]

//lint:ignore U1000 called by minHeap through its type constraint, which staticcheck does not follow
func (t closeTime) less(u closeTime) bool {
	if t.end != u.end {
		return t.end < u.end
	}
	return t.start < u.start
}
