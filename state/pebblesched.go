package state

import (
	"sync"

	"github.com/cockroachdb/pebble/v2"
)

// compactionScheduler grants a store's compactions up to what the store
// allows without permission, as Pebble's default ConcurrencyLimitScheduler
// does, but only when something changes: a compaction is asked for or
// ends, or a flush raises the allowance. Pebble's default also polls the
// allowance every 100 ms from a goroutine of its own per store; a server
// with 540 idle stores woke 5,400 times a second for that (8% of its idle
// CPU). The allowance only moves with flushes, compactions and manual
// compactions, which all end in one of the calls above.
type compactionScheduler struct {
	db pebble.DBForCompaction // set by Register, before any other call

	mu           sync.Mutex
	granting     bool // a grant loop runs; others wait on grantDone
	grantDone    *sync.Cond
	running      int
	lastAllowed  int
	unregistered bool
	pokes        sync.WaitGroup // the grant a raised allowance started
}

var _ pebble.CompactionScheduler = (*compactionScheduler)(nil)

func newCompactionScheduler() *compactionScheduler {
	s := &compactionScheduler{}
	s.grantDone = sync.NewCond(&s.mu)
	return s
}

func (s *compactionScheduler) Register(_ int, db pebble.DBForCompaction) { s.db = db }

// Unregister returns once no grant is under way or will start.
func (s *compactionScheduler) Unregister() {
	s.mu.Lock()
	s.unregistered = true
	for s.granting {
		s.grantDone.Wait()
	}
	s.mu.Unlock()
	s.pokes.Wait()
}

func (s *compactionScheduler) TrySchedule() (bool, pebble.CompactionGrantHandle) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.unregistered {
		return false, nil
	}
	s.lastAllowed = s.db.GetAllowedWithoutPermission()
	if s.lastAllowed > s.running {
		s.running++
		return true, s
	}
	return false, nil
}

// UpdateGetAllowedWithoutPermission is called by a flush holding the
// store's mutex, which Schedule takes: a raised allowance is granted from
// a goroutine that waits for it.
func (s *compactionScheduler) UpdateGetAllowedWithoutPermission() {
	s.mu.Lock()
	defer s.mu.Unlock()
	allowed := s.db.GetAllowedWithoutPermission()
	raised := allowed > s.lastAllowed
	s.lastAllowed = allowed
	if !raised || s.unregistered {
		return
	}
	s.pokes.Add(1)
	go func() {
		defer s.pokes.Done()
		s.mu.Lock()
		s.grantAndUnlock()
	}()
}

// The grant handle.

func (s *compactionScheduler) Started()                                          {}
func (s *compactionScheduler) MeasureCPU(pebble.CompactionGoroutineKind)         {}
func (s *compactionScheduler) CumulativeStats(pebble.CompactionGrantHandleStats) {}

func (s *compactionScheduler) Done() {
	s.mu.Lock()
	s.running--
	s.grantAndUnlock()
}

// grantAndUnlock, called with s.mu held, starts the waiting compactions
// the allowance leaves room for, one grant loop at a time.
func (s *compactionScheduler) grantAndUnlock() {
	defer s.mu.Unlock()
	for s.granting {
		s.grantDone.Wait()
	}
	if s.unregistered {
		return
	}
	s.lastAllowed = s.db.GetAllowedWithoutPermission()
	n := s.lastAllowed - s.running
	if n <= 0 {
		return
	}
	s.granting = true
	s.mu.Unlock()
	// Schedule and GetWaitingCompaction take the store's mutex, which is
	// ordered before s.mu.
	for ; n > 0; n-- {
		if waiting, _ := s.db.GetWaitingCompaction(); !waiting {
			break
		}
		if !s.db.Schedule(s) {
			break
		}
		s.mu.Lock()
		s.running++
		s.mu.Unlock()
	}
	s.mu.Lock()
	s.granting = false
	s.grantDone.Broadcast()
}
