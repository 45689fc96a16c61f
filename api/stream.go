package api

// Column is one column of a streamed query's header.
type Column struct {
	Name string `json:"name"`
	Type string `json:"type"` // SQL type text, e.g. "BIGINT"
}

// QueryHeader opens a streamed query result.
type QueryHeader struct {
	QueryID string   `json:"queryId"`
	Columns []Column `json:"-"`
	// Schema is the header schema text: "`ID` STRING, `COUNT` BIGINT".
	Schema string `json:"schema"`
}

// StreamedRow is one message of a streamed result: exactly one of the
// fields is set. Values are JSON-ready (see Row).
type StreamedRow struct {
	Header       *QueryHeader `json:"header,omitempty"`
	Row          *Row         `json:"row,omitempty"`
	FinalMessage string       `json:"finalMessage,omitempty"`
	ErrorMessage *ErrorMsg    `json:"errorMessage,omitempty"`
}

// Row is one result row; Columns hold JSON-ready values (numbers,
// strings, bools, nil, []any, map[string]any for a MAP, Object for a
// STRUCT).
type Row struct {
	Columns   []any `json:"columns"`
	Tombstone bool  `json:"tombstone,omitempty"`
}

// ErrorMsg is ksqlDB's error body: {"@type":"generic_error","error_code":…,"message":…}.
type ErrorMsg struct {
	Type      string `json:"@type"`
	ErrorCode int    `json:"error_code"`
	Message   string `json:"message"`
}
