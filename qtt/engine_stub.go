//go:build !qttengine

package qtt

import (
	"context"
	"errors"
)

// newEngineBackend stands in until the engine package builds; build with
// -tags qttengine to use the real engine.
func newEngineBackend(context.Context, backendConfig) (backend, error) {
	return nil, errors.New("engine not available in this build")
}
