package blocks

import "testing"

// fill boxes n values into p's one-element blocks as a slab does,
// taking a block when the current one is full, and returns the blocks.
func fill(p *Pool[int], cur *[]int, n int) [][]int {
	var got [][]int
	for i := range n {
		if len(*cur) == cap(*cur) {
			*cur = p.Next(*cur, 1, 8)
		}
		*cur = append(*cur, i)
		got = append(got, *cur)
	}
	return got
}

func same(a, b []int) bool { return cap(a) > 0 && &a[:1][0] == &b[:1][0] }

// TestPoolReusesOnlyAfterRecycle: blocks filled before the first Recycle
// are never handed out again (the owner had not vouched for them), and
// after a Recycle the blocks filled since the previous one come back.
func TestPoolReusesOnlyAfterRecycle(t *testing.T) {
	var p Pool[int]
	var cur []int
	before := fill(&p, &cur, 3)
	cur = p.Recycle(cur, 8)
	if len(cur) != 0 || !same(cur, before[2]) {
		t.Fatalf("Recycle returned %v, want the current block emptied", cur)
	}
	tracked := fill(&p, &cur, 3) // the current block, then two new ones
	for _, b := range tracked {
		for _, old := range before[:2] {
			if same(b, old) {
				t.Fatal("a block filled before the first Recycle was handed out again")
			}
		}
	}
	cur = p.Recycle(cur, 8)
	again := fill(&p, &cur, 3)
	reused := 0
	for _, b := range again {
		for _, old := range tracked {
			if same(b, old) {
				reused++
			}
		}
	}
	if reused != 3 {
		t.Errorf("%d of 3 blocks reused after Recycle, want all", reused)
	}
}

// TestPoolForget: blocks filled before a Forget are never handed out
// again, even after later Recycles.
func TestPoolForget(t *testing.T) {
	var p Pool[int]
	var cur []int
	cur = p.Recycle(cur, 8)
	kept := fill(&p, &cur, 3)
	p.Forget()
	cur = nil
	fill(&p, &cur, 3)
	cur = p.Recycle(cur, 8)
	for _, b := range fill(&p, &cur, 6) {
		for _, k := range kept {
			if same(b, k) {
				t.Fatal("a block filled before Forget was handed out again")
			}
		}
	}
	for i, k := range kept {
		if k[0] != i {
			t.Errorf("forgotten block %d holds %d, want %d", i, k[0], i)
		}
	}
}

// TestPoolLimit: a pool holds at most limit blocks however many a slab
// fills between recycles.
func TestPoolLimit(t *testing.T) {
	var p Pool[int]
	var cur []int
	cur = p.Recycle(cur, 8)
	for range 3 {
		fill(&p, &cur, 20)
		cur = p.Recycle(cur, 8)
		if p.Held() > 8 {
			t.Fatalf("pool holds %d blocks, limit 8", p.Held())
		}
	}
	if p.Held() != 8 {
		t.Errorf("pool holds %d blocks, want the limit, 8", p.Held())
	}
}
