package kafka

import "sync"

// arrays keeps a few slices between uses, so that a stream of batches
// does not allocate (and the collector clear and scan) an array per
// batch. Its owner clears a slice before putting it back, so a kept
// slice pins no record's bytes. Safe for concurrent use; a nil *arrays
// keeps nothing.
type arrays[T any] struct {
	mu     sync.Mutex
	free   [][]T
	keep   int // the most slices kept
	maxCap int // larger slices are not kept; 0 for no bound
}

// get returns a slice of length n: a kept one when one has room.
func (p *arrays[T]) get(n int) []T {
	if p != nil && (p.maxCap == 0 || n <= p.maxCap) {
		p.mu.Lock()
		for i := len(p.free) - 1; i >= 0; i-- {
			if a := p.free[i]; cap(a) >= n {
				p.free = append(p.free[:i], p.free[i+1:]...)
				p.mu.Unlock()
				return a[:n]
			}
		}
		p.mu.Unlock()
	}
	return make([]T, n)
}

// put keeps a (cleared by the caller) for a later get, if there is room.
func (p *arrays[T]) put(a []T) {
	if p == nil || (p.maxCap > 0 && cap(a) > p.maxCap) {
		return
	}
	p.mu.Lock()
	if len(p.free) < p.keep {
		p.free = append(p.free, a)
	}
	p.mu.Unlock()
}

// release drops every kept slice.
func (p *arrays[T]) release() {
	p.mu.Lock()
	p.free = nil
	p.mu.Unlock()
}

// held is how many slices p keeps (tests).
func (p *arrays[T]) held() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.free)
}
