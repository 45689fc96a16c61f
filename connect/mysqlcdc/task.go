package mysqlcdc

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/eddysql/eddy/connect"
)

// task is the connector's single SourceTask. Start decides where to begin
// and starts one reader goroutine (the task owns it; Stop ends it) that
// snapshots and then follows the binlog, handing records to Poll through
// a bounded channel so memory stays bounded however far behind Kafka is.
type task struct {
	s  *settings
	tc connect.TaskContext
	db *sql.DB

	info serverInfo
	plan plan

	batches chan []connect.Record
	errc    chan error
	cancel  context.CancelFunc
	done    chan struct{}
	stopped sync.Once

	// Owned by the reader goroutine.
	tables       map[string]*table // by "db.table"; nil value: not captured
	hist         *history          // definitions as of the stream position
	pending      []connect.Record
	lastProgress time.Time
	shownFile    string // the binlog file of the position last shown
	held         bool   // a newer position in shownFile waits to be shown
	heldPos      uint32 // (the throttle held it back)
	snapshotDone string // what the snapshot read, kept in the progress shown while streaming
}

// plan is what Start decided.
type plan struct {
	snapshot   bool     // take a snapshot first
	schemaOnly bool     // snapshot reads table definitions only
	stream     bool     // follow the binlog (after the snapshot, if any)
	from       position // where streaming starts when there is no snapshot
	// interrupted: where an interrupted snapshot began. Its records are
	// already in the topics, so streaming starts there rather than at the
	// new snapshot: the changes since, deletes above all, reach the rows
	// the new snapshot no longer sees.
	interrupted *position
}

func (t *task) Start(ctx context.Context, tc connect.TaskContext, offsets func(map[string]any) (map[string]any, bool)) error {
	t.tc = tc
	if len(t.s.ignoredJVMKeys) > 0 {
		tc.Logf("ignoring %s: eddy keeps table definitions itself and needs no schema-history topic", strings.Join(t.s.ignoredJVMKeys, ", "))
	}
	db, err := t.s.open()
	if err != nil {
		return err
	}
	t.db = db
	if t.info, err = checkServer(ctx, db, t.s); err != nil {
		db.Close()
		return err
	}
	if t.plan, err = t.decide(ctx, offsets); err != nil {
		db.Close()
		return err
	}
	queue := t.s.maxQueue / t.s.maxBatch
	if queue < 1 {
		queue = 1
	}
	t.batches = make(chan []connect.Record, queue)
	t.errc = make(chan error, 1)
	t.done = make(chan struct{})
	t.tables = map[string]*table{}
	if t.hist, err = parseHistory(t.plan.from.schemas); err != nil {
		db.Close()
		return fmt.Errorf("mysql connector %s: %w", t.s.prefix, err)
	}
	runCtx, cancel := context.WithCancel(context.Background())
	t.cancel = cancel
	go func() {
		defer close(t.done)
		if err := t.run(runCtx); err != nil && runCtx.Err() == nil {
			t.errc <- err
		}
	}()
	return nil
}

// decide picks snapshot or streaming from the stored offset and the
// snapshot mode.
func (t *task) decide(ctx context.Context, offsets func(map[string]any) (map[string]any, bool)) (plan, error) {
	mode := t.s.snapshotMode
	var stored position
	has := false
	if offsets != nil {
		if m, ok := offsets(t.s.partition); ok && m != nil {
			p, err := parseOffset(m)
			if err != nil {
				return plan{}, fmt.Errorf("mysql connector %s: %w", t.s.prefix, err)
			}
			stored, has = p, true
		}
	}
	switch {
	case has && !stored.snapshot:
		if mode == "initial_only" {
			t.tc.Logf("snapshot already taken and snapshot.mode=initial_only: nothing to do")
			return plan{}, nil
		}
		files, err := binlogFiles(ctx, t.db)
		if err != nil {
			return plan{}, fmt.Errorf("mysql connector: listing binary logs on %s: %w", t.s.addr(), err)
		}
		if !slices.Contains(files, stored.file) {
			if mode == "when_needed" {
				t.tc.Logf("binlog %s of the stored offset has been purged from %s; taking a new snapshot (snapshot.mode=when_needed)", stored.file, t.s.addr())
				return plan{snapshot: true, stream: true}, nil
			}
			return plan{}, fmt.Errorf("mysql connector: binlog file %s at the stored offset has been purged from %s (it keeps %s), so changes since then cannot be read; set snapshot.mode=when_needed to take a new snapshot", stored.file, t.s.addr(), strings.Join(files, ", "))
		}
		t.tc.Logf("resuming the binlog at %s:%d (gtids %q, skipping %d events and %d rows)", stored.file, stored.pos, stored.gtids, stored.event, stored.row)
		return plan{stream: true, from: stored}, nil
	case mode == "never":
		files, err := binlogFiles(ctx, t.db)
		if err != nil || len(files) == 0 {
			return plan{}, fmt.Errorf("mysql connector: listing binary logs on %s: %v", t.s.addr(), err)
		}
		t.tc.Logf("snapshot.mode=never: streaming from the oldest binlog %s", files[0])
		return plan{stream: true, from: position{file: files[0], pos: 4}}, nil
	case mode == "schema_only":
		return plan{snapshot: true, schemaOnly: true, stream: true}, nil
	default:
		p := plan{snapshot: true, stream: mode != "initial_only"}
		if has {
			files, err := binlogFiles(ctx, t.db)
			if err != nil {
				return plan{}, fmt.Errorf("mysql connector: listing binary logs on %s: %w", t.s.addr(), err)
			}
			if slices.Contains(files, stored.file) {
				t.tc.Logf("the previous snapshot did not finish; starting it over, then streaming from where it began (%s:%d)", stored.file, stored.pos)
				p.interrupted = &position{file: stored.file, pos: stored.pos, gtids: stored.gtids, schemas: stored.schemas}
			} else {
				t.tc.Logf("the previous snapshot did not finish; starting it over. Its binlog %s has been purged, so rows it wrote and that were deleted since stay in the topics", stored.file)
			}
		}
		return p, nil
	}
}

func (t *task) run(ctx context.Context) error {
	from := t.plan.from
	if t.plan.snapshot {
		p, err := t.snapshot(ctx, t.plan.schemaOnly)
		if err != nil {
			return err
		}
		from = p
	}
	if !t.plan.stream {
		t.tc.SetProgress("snapshot complete; not streaming (snapshot.mode=initial_only)")
		return nil
	}
	return t.stream(ctx, from)
}

func (t *task) Poll(ctx context.Context) ([]connect.Record, error) {
	timer := time.NewTimer(time.Second)
	defer timer.Stop()
	var out []connect.Record
	select {
	case out = <-t.batches:
	case err := <-t.errc:
		return nil, err
	case <-ctx.Done():
		return nil, nil
	case <-timer.C:
		return nil, nil
	}
	for len(out) < t.s.maxBatch {
		select {
		case b := <-t.batches:
			out = append(out, b...)
		default:
			return out, nil
		}
	}
	return out, nil
}

// Commit has nothing to do: positions travel in the records' offsets.
func (t *task) Commit(ctx context.Context) error { return nil }

func (t *task) Stop() error {
	t.stopped.Do(func() {
		if t.cancel != nil {
			t.cancel()
			<-t.done
		}
		if t.db != nil {
			t.db.Close()
		}
	})
	return nil
}

// emit queues records for Poll, handing over a batch when it is full.
func (t *task) emit(ctx context.Context, recs ...connect.Record) error {
	t.pending = append(t.pending, recs...)
	if len(t.pending) >= t.s.maxBatch {
		return t.flush(ctx)
	}
	return nil
}

// flush hands the pending records to Poll, waiting while the queue is full.
func (t *task) flush(ctx context.Context) error {
	if len(t.pending) == 0 {
		return nil
	}
	select {
	case t.batches <- t.pending:
		t.pending = nil
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// progress reports at most once a second.
func (t *task) progress(format string, args ...any) {
	if now := time.Now(); now.Sub(t.lastProgress) >= time.Second {
		t.lastProgress = now
		t.tc.SetProgress(fmt.Sprintf(format, args...))
	}
}

// streamPosition reports the binlog position: at once when its file
// changed since the position last shown, else at most once a second,
// holding the newest position back for showHeld to show (a burst's last
// transaction must not leave an older position shown).
func (t *task) streamPosition(file string, pos uint32) {
	now := time.Now()
	if file != t.shownFile || now.Sub(t.lastProgress) >= time.Second {
		t.showPosition(now, file, pos)
		return
	}
	t.held, t.heldPos = true, pos
}

// showHeld shows the position streamPosition held back once a second has
// passed since the last one shown; the stream calls it on each event, so
// an idle stream shows it at the server's next heartbeat.
func (t *task) showHeld() {
	if t.held {
		if now := time.Now(); now.Sub(t.lastProgress) >= time.Second {
			t.showPosition(now, t.shownFile, t.heldPos)
		}
	}
}

func (t *task) showPosition(now time.Time, file string, pos uint32) {
	t.lastProgress, t.held = now, false
	t.shownFile = file
	if t.snapshotDone != "" {
		t.tc.SetProgress(fmt.Sprintf("%s; streaming the binlog at %s:%d", t.snapshotDone, file, pos))
	} else {
		t.tc.SetProgress(fmt.Sprintf("streaming the binlog at %s:%d", file, pos))
	}
}
