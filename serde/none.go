package serde

// noneSerde is the NONE format: the side carries no columns, so its bytes
// are ignored on read and nothing is written.
type noneSerde struct{}

func (noneSerde) Decode([]byte, []any) error   { return nil }
func (noneSerde) Encode([]any) ([]byte, error) { return nil, nil }
