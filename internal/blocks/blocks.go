// Package blocks lets a slab hand out its blocks again once its owner
// knows that no value boxed into them is in use any more, instead of
// leaving every filled block to the collector.
package blocks

// Pool remembers the blocks a slab filled since its owner last recycled
// them, and hands them out again after the next Recycle. It tracks
// nothing until the first Recycle, so the slab of an owner that never
// recycles keeps no block alive and reuses none. It holds at most limit
// blocks (the limit given to Next and Recycle); blocks past it are left
// to the collector. The zero Pool is ready to use.
type Pool[T any] struct {
	on   bool
	used [][]T // blocks filled since the last Recycle, the current one aside
	free [][]T // blocks whose values are dead, ready to be filled again
}

// Next returns an empty block of capacity size to replace a slab's full
// current block cur: a recycled one when there is one.
func (p *Pool[T]) Next(cur []T, size, limit int) []T {
	if p.on && cap(cur) > 0 && len(p.used)+len(p.free) < limit {
		p.used = append(p.used, cur)
	}
	if n := len(p.free); n > 0 {
		b := p.free[n-1]
		p.free[n-1] = nil
		p.free = p.free[:n-1]
		return b[:0]
	}
	return make([]T, 0, size)
}

// Recycle is told that every value boxed so far into the slab's blocks,
// cur (its current block) included, is dead: nothing reads them again.
// Their blocks become free for Next, and the slab goes on filling cur
// from its start, which Recycle returns.
func (p *Pool[T]) Recycle(cur []T, limit int) []T {
	p.on = true
	for _, b := range p.used {
		if len(p.free) < limit {
			p.free = append(p.free, b)
		}
	}
	clear(p.used)
	p.used = p.used[:0]
	return cur[:0]
}

// Forget gives up the blocks filled since the last Recycle, the current
// one included: values in them may live on, so the collector frees the
// blocks once they do not. The slab must start a new current block.
func (p *Pool[T]) Forget() {
	clear(p.used)
	p.used = p.used[:0]
}

// Held is how many blocks p keeps, tracked and free (tests).
func (p *Pool[T]) Held() int { return len(p.used) + len(p.free) }
