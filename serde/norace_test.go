//go:build !race

package serde

const raceOn = false
