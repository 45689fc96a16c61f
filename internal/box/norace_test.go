//go:build !race

package box

const raceOn = false
