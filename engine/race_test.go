//go:build race

package engine

// raceOn: the race detector slows tests down; tests of large state run
// over less of it under it.
const raceOn = true
