package server

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"sync"
	"time"

	"github.com/eddysql/eddy/api"
	"github.com/eddysql/eddy/types"
)

// errStreamClosed is returned by writes after the stream was finished.
var errStreamClosed = errors.New("stream closed")

// streamWriter serialises the writes of a streaming reply: the engine's
// query goroutine writes rows while the keep-alive writes blank lines.
// The first write sends the 200 and the headers; each write is flushed
// and bounded by a deadline, armed for that write alone, so a client
// that stops reading fails the write instead of holding the query.
//
// A push query's rows over HTTP/1.1 go through queue to a flusher
// goroutine, which writes and flushes at once all the rows queued while
// it wrote the last ones: a quiet query's row is sent as soon as it
// comes, a busy query's many to a chunk. Flushing every row cost a
// system call per row.
type streamWriter struct {
	mu          sync.Mutex
	w           http.ResponseWriter
	rc          *http.ResponseController
	contentType string
	timeout     time.Duration
	started     bool
	closed      bool
	err         error
	last        time.Time

	queued, spare []byte    // rows for the flusher; a drained buffer to reuse
	flushing      bool      // the flusher writes rows it took from queued
	flusher       bool      // the flusher goroutine runs
	wake          sync.Cond // rows queued, or the stream closed
	drained       sync.Cond // the flusher took or wrote rows, or failed
	flusherDone   sync.WaitGroup
}

// maxQueued bounds the rows waiting for the flusher: past it queue waits,
// so a client that reads slowly slows its query instead of growing it.
const maxQueued = 256 << 10

func newStreamWriter(w http.ResponseWriter, contentType string, timeout time.Duration) *streamWriter {
	sw := &streamWriter{w: w, rc: http.NewResponseController(w), contentType: contentType, timeout: timeout, last: time.Now()}
	sw.wake.L, sw.drained.L = &sw.mu, &sw.mu
	return sw
}

func (sw *streamWriter) write(b []byte) error {
	return sw.writeFlushing(b, true)
}

// buffer writes b as write does but leaves it to the response's buffer
// to send when full, or to the next write: the rows of a pull query,
// which ends with a final message, need not cost a system call each.
func (sw *streamWriter) buffer(b []byte) error {
	return sw.writeFlushing(b, false)
}

// writeFlushing writes b after the rows queued before it.
func (sw *streamWriter) writeFlushing(b []byte, flush bool) error {
	if len(b) == 0 {
		return nil
	}
	sw.mu.Lock()
	defer sw.mu.Unlock()
	for (sw.flushing || len(sw.queued) > 0) && sw.err == nil && !sw.closed {
		sw.drained.Wait()
	}
	if sw.closed {
		return errStreamClosed
	}
	if sw.err != nil {
		return sw.err
	}
	sw.begin()
	if sw.err = sw.send(b, flush); sw.err != nil {
		return sw.err
	}
	sw.last = time.Now()
	return nil
}

// queue hands b (a push query's row) to the flusher goroutine, starting
// it on the first row; a write failure shows at the next call.
func (sw *streamWriter) queue(b []byte) error {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	for len(sw.queued) >= maxQueued && sw.err == nil && !sw.closed {
		sw.drained.Wait()
	}
	if sw.closed {
		return errStreamClosed
	}
	if sw.err != nil {
		return sw.err
	}
	sw.queued = append(sw.queued, b...)
	if !sw.flusher {
		sw.flusher = true
		sw.flusherDone.Add(1)
		go sw.flushQueued()
	}
	sw.wake.Signal()
	return nil
}

// flushQueued writes and flushes the queued rows, all that are there at
// each turn, until the stream is finished or a write fails.
func (sw *streamWriter) flushQueued() {
	defer sw.flusherDone.Done()
	sw.mu.Lock()
	defer sw.mu.Unlock()
	for {
		for len(sw.queued) == 0 && sw.err == nil && !sw.closed {
			sw.wake.Wait()
		}
		if sw.err != nil || sw.closed {
			sw.drained.Broadcast()
			return
		}
		rows := sw.queued
		sw.queued, sw.spare = sw.spare[:0], nil
		sw.flushing = true
		sw.begin()
		sw.mu.Unlock()
		err := sw.send(rows, true) // alone: writeFlushing waits for flushing
		sw.mu.Lock()
		sw.flushing = false
		sw.spare = rows[:0]
		if err != nil {
			sw.err = err
		} else {
			sw.last = time.Now()
		}
		sw.drained.Broadcast()
	}
}

// begin sends the 200 and the headers before the first write.
func (sw *streamWriter) begin() {
	if !sw.started {
		sw.w.Header().Set("Content-Type", sw.contentType)
		sw.w.WriteHeader(http.StatusOK)
		sw.started = true
	}
}

// send writes b to the client, flushing it when flush is set, within the
// write timeout.
func (sw *streamWriter) send(b []byte, flush bool) error {
	_ = sw.rc.SetWriteDeadline(time.Now().Add(sw.timeout)) // not every writer supports it
	if _, err := sw.w.Write(b); err != nil {
		return fmt.Errorf("write to client: %w", err)
	}
	if flush {
		if err := sw.rc.Flush(); err != nil {
			return fmt.Errorf("flush to client: %w", err)
		}
	}
	// Disarmed once written: over HTTP/2 the deadline is a timer that
	// resets the stream when it fires, whether a write is waiting or
	// not, and would end a quiet push query one timeout after its last
	// row.
	_ = sw.rc.SetWriteDeadline(time.Time{})
	return nil
}

// hasStarted reports whether the 200 has been sent.
func (sw *streamWriter) hasStarted() bool {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	return sw.started
}

func (sw *streamWriter) idle() time.Duration {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	return time.Since(sw.last)
}

// finish refuses further writes (a late emit cannot touch the response
// after the handler returned) once the queued rows are written (or a
// write failed), stops the flusher and clears the write deadline.
func (sw *streamWriter) finish() {
	sw.mu.Lock()
	for (sw.flushing || len(sw.queued) > 0) && sw.err == nil {
		sw.drained.Wait()
	}
	sw.closed = true
	sw.wake.Broadcast()
	sw.drained.Broadcast()
	sw.mu.Unlock()
	sw.flusherDone.Wait() // it may be writing rows still
	sw.mu.Lock()
	defer sw.mu.Unlock()
	if sw.started {
		_ = sw.rc.SetWriteDeadline(time.Time{})
	}
}

// keepAlive writes a blank line whenever the stream has been idle for
// every, until stop is called; a failed write calls onErr (the client
// has gone). stop waits for the goroutine.
func (sw *streamWriter) keepAlive(every time.Duration, onErr func()) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(every / 2)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if sw.idle() < every {
					continue
				}
				if err := sw.write([]byte("\n")); err != nil {
					onErr()
					return
				}
			}
		}
	}()
	return func() {
		close(done)
		wg.Wait()
	}
}

// encoder turns a query's messages into one response format's bytes; a
// nil result writes nothing.
type encoder interface {
	header(h *api.QueryHeader) []byte
	row(r *api.Row) []byte
	final(msg string) []byte
	fail(e *apiError) []byte
	// end closes the body when the server stops the query (close-query,
	// TERMINATE, shutdown) without a final message; why, when set, is
	// the error row that says why first.
	end(why *apiError) []byte
}

// headerPreparer is an encoder that must prepare for the result's
// columns before its header is written; an error fails the query.
type headerPreparer interface {
	prepare(h *api.QueryHeader) *apiError
}

// fallibleRows is an encoder whose rows can fail to encode; an error
// ends the query.
type fallibleRows interface {
	encodeRow(r *api.Row) ([]byte, *apiError)
}

func mustJSON(v any) []byte {
	b, err := marshal(v)
	if err != nil {
		b, _ = marshal(api.StreamedRow{ErrorMessage: genericError(codeServerError, "encode row: %v", err).errorMsg()})
	}
	return b
}

// v1Encoder is the legacy StreamedRow array of /query (and /query-stream
// with application/vnd.ksql.v1+json): elements followed by ",\n", the
// final one by "]\n".
type v1Encoder struct {
	// tablePull omits the final message: a pull query on a table just
	// closes the array. Its elements are preceded by ",\n" instead of
	// followed by it, so that the closed array is valid JSON with no
	// final element to end it (as ksqlDB's is since 0.23.1).
	tablePull bool
}

// first opens the array with its first element.
func (e v1Encoder) first(b []byte) []byte {
	out := append([]byte("["), b...)
	if e.tablePull {
		return out
	}
	return append(out, ",\n"...)
}

// next is an element after the first.
func (e v1Encoder) next(b []byte) []byte {
	if e.tablePull {
		return append([]byte(",\n"), b...)
	}
	return append(b, ",\n"...)
}

func (e v1Encoder) header(h *api.QueryHeader) []byte {
	return e.first(mustJSON(api.StreamedRow{Header: h}))
}

func (e v1Encoder) row(r *api.Row) []byte {
	return e.next(mustJSON(api.StreamedRow{Row: &api.Row{Columns: wireColumns(r.Columns), Tombstone: r.Tombstone}}))
}

// wireDouble is a DOUBLE as ksqlDB's JSON writes it, in Java's
// Double.toString form: an integral value keeps its ".0" (11.0, not 11)
// and large or small ones use E notation; NaN and the infinities, which
// JSON numbers cannot hold, are strings.
type wireDouble float64

func (d wireDouble) MarshalJSON() ([]byte, error) {
	f := float64(d)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return []byte(`"` + types.FormatDouble(f) + `"`), nil
	}
	return []byte(types.FormatDouble(f)), nil
}

// wireColumns prepares a row's JSON-ready values for output: doubles,
// also inside arrays, maps and structs, are written as wireDouble.
func wireColumns(cols []any) []any {
	if cols == nil {
		return nil
	}
	out := make([]any, len(cols))
	for i, v := range cols {
		out[i] = wireValue(v)
	}
	return out
}

func wireValue(v any) any {
	switch x := v.(type) {
	case float64:
		return wireDouble(x)
	case []any:
		return wireColumns(x)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = wireValue(e)
		}
		return out
	case api.Object:
		out := api.Object{Keys: x.Keys, Values: make([]any, len(x.Values))}
		for i, e := range x.Values {
			out.Values[i] = wireValue(e)
		}
		return out
	}
	return v
}

func (e v1Encoder) final(msg string) []byte {
	if e.tablePull {
		return []byte("]\n")
	}
	return append(mustJSON(api.StreamedRow{FinalMessage: msg}), "]\n"...)
}

func (e v1Encoder) fail(ae *apiError) []byte {
	msg := mustJSON(api.StreamedRow{ErrorMessage: ae.errorMsg()})
	if e.tablePull {
		return append(e.next(msg), "]\n"...)
	}
	b := append([]byte("\n"), msg...)
	return append(b, ",\n"...)
}

func (e v1Encoder) end(why *apiError) []byte {
	switch {
	case why != nil && e.tablePull:
		return e.fail(why) // closes the array
	case why != nil:
		// The last element, after the previous one's ",\n".
		return append(mustJSON(api.StreamedRow{ErrorMessage: why.errorMsg()}), "]\n"...)
	}
	return []byte("]\n")
}

// queryMetadata opens a /query-stream reply.
type queryMetadata struct {
	QueryID     string   `json:"queryId"`
	ColumnNames []string `json:"columnNames"`
	ColumnTypes []string `json:"columnTypes"`
}

func metadataOf(h *api.QueryHeader) queryMetadata {
	m := queryMetadata{QueryID: h.QueryID, ColumnNames: []string{}, ColumnTypes: []string{}}
	for _, c := range h.Columns {
		m.ColumnNames = append(m.ColumnNames, c.Name)
		m.ColumnTypes = append(m.ColumnTypes, c.Type)
	}
	return m
}

// delimitedEncoder is /query-stream's default: a metadata line, then one
// JSON array per row. Tombstones are dropped.
type delimitedEncoder struct{}

func (delimitedEncoder) header(h *api.QueryHeader) []byte {
	return append(mustJSON(metadataOf(h)), '\n')
}

func (delimitedEncoder) row(r *api.Row) []byte {
	if r.Tombstone {
		return nil
	}
	return append(mustJSON(wireColumns(r.Columns)), '\n')
}

func (delimitedEncoder) final(string) []byte { return nil }

func (delimitedEncoder) fail(ae *apiError) []byte { return append(mustJSON(ae), '\n') }

func (e delimitedEncoder) end(why *apiError) []byte {
	if why != nil {
		return e.fail(why)
	}
	return nil
}

// jsonEncoder is /query-stream with application/json: one array of the
// metadata and the rows.
type jsonEncoder struct{}

func (jsonEncoder) header(h *api.QueryHeader) []byte {
	return append([]byte("["), mustJSON(metadataOf(h))...)
}

func (jsonEncoder) row(r *api.Row) []byte {
	if r.Tombstone {
		return nil
	}
	return append([]byte(","), mustJSON(wireColumns(r.Columns))...)
}

func (jsonEncoder) final(string) []byte { return []byte("]") }

func (jsonEncoder) fail(ae *apiError) []byte {
	return append(append([]byte(","), mustJSON(ae)...), ']')
}

func (e jsonEncoder) end(why *apiError) []byte {
	if why != nil {
		return e.fail(why) // closes the array
	}
	return []byte("]")
}

// start sends the 200 and the headers now, before any body: an HTTP/2
// client streaming its request waits for them.
func (sw *streamWriter) start() error {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	if sw.started {
		return nil
	}
	sw.w.Header().Set("Content-Type", sw.contentType)
	sw.w.WriteHeader(http.StatusOK)
	sw.started = true
	if err := sw.rc.Flush(); err != nil {
		sw.err = fmt.Errorf("flush to client: %w", err)
		return sw.err
	}
	return nil
}
