//go:build !race

package smalldec

const raceOn = false
