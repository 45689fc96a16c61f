//go:build race

package box

// raceOn: the race detector's instrumentation allocates on its own, so
// allocation counts are not checked under it.
const raceOn = true
