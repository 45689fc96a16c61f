package expr

import (
	"sync"
	"time"
)

// Java's (CLDR, English) long names of time zones, the 'zzzz' pattern
// field: a standard and a daylight name per zone id. Zones of one
// metazone share names; when a name is read back it stands for the first
// zone listed with it, the zone Java resolves that metazone to for the
// US and root locales.
var javaZoneNames = []struct {
	std, dst string
	zones    []string
}{
	{"Coordinated Universal Time", "", []string{"UTC", "Etc/UTC", "Etc/UCT", "UCT", "Etc/Universal", "Universal", "Etc/Zulu", "Zulu"}},
	{"Greenwich Mean Time", "", []string{"GMT", "Etc/GMT", "Etc/GMT+0", "Etc/GMT-0", "Etc/GMT0", "Etc/Greenwich", "GMT0", "Greenwich"}},
	{"Greenwich Mean Time", "British Summer Time", []string{"Europe/London"}},
	{"Pacific Standard Time", "Pacific Daylight Time", []string{"America/Los_Angeles", "US/Pacific", "America/Vancouver", "America/Tijuana", "PST8PDT"}},
	{"Mountain Standard Time", "Mountain Daylight Time", []string{"America/Denver", "US/Mountain", "America/Phoenix", "US/Arizona", "America/Boise", "America/Edmonton", "MST7MDT"}},
	{"Central Standard Time", "Central Daylight Time", []string{"America/Chicago", "US/Central", "America/Winnipeg", "America/Mexico_City", "CST6CDT"}},
	{"Eastern Standard Time", "Eastern Daylight Time", []string{"America/New_York", "US/Eastern", "America/Toronto", "America/Detroit", "America/Indiana/Indianapolis", "EST5EDT"}},
	{"Alaska Standard Time", "Alaska Daylight Time", []string{"America/Anchorage", "US/Alaska"}},
	{"Hawaii-Aleutian Standard Time", "Hawaii-Aleutian Daylight Time", []string{"Pacific/Honolulu", "US/Hawaii"}},
	{"Atlantic Standard Time", "Atlantic Daylight Time", []string{"America/Halifax"}},
	{"Brasilia Standard Time", "Brasilia Summer Time", []string{"America/Sao_Paulo"}},
	{"Western European Standard Time", "Western European Summer Time", []string{"Europe/Lisbon", "WET"}},
	{"Central European Standard Time", "Central European Summer Time", []string{"Europe/Paris", "Europe/Berlin", "Europe/Madrid", "Europe/Rome", "Europe/Amsterdam", "Europe/Brussels", "Europe/Vienna", "Europe/Zurich", "Europe/Stockholm", "Europe/Oslo", "Europe/Copenhagen", "Europe/Prague", "Europe/Warsaw", "Europe/Budapest", "CET"}},
	{"Eastern European Standard Time", "Eastern European Summer Time", []string{"Europe/Bucharest", "Europe/Athens", "Europe/Helsinki", "Europe/Kiev", "Europe/Kyiv", "Europe/Sofia", "EET"}},
	{"Moscow Standard Time", "Moscow Summer Time", []string{"Europe/Moscow"}},
	{"Israel Standard Time", "Israel Daylight Time", []string{"Asia/Jerusalem"}},
	{"Gulf Standard Time", "", []string{"Asia/Dubai"}},
	{"India Standard Time", "", []string{"Asia/Kolkata", "Asia/Calcutta"}},
	{"Singapore Standard Time", "", []string{"Asia/Singapore"}},
	{"China Standard Time", "China Daylight Time", []string{"Asia/Shanghai", "PRC"}},
	{"Hong Kong Standard Time", "Hong Kong Summer Time", []string{"Asia/Hong_Kong"}},
	{"Korean Standard Time", "Korean Daylight Time", []string{"Asia/Seoul"}},
	{"Japan Standard Time", "Japan Daylight Time", []string{"Asia/Tokyo", "Japan"}},
	{"Australian Eastern Standard Time", "Australian Eastern Daylight Time", []string{"Australia/Sydney", "Australia/Melbourne", "Australia/Brisbane"}},
}

var (
	// zoneLongNames is a zone id's standard and daylight long names.
	zoneLongNames = map[string][2]string{}
	// longNameZones is the zone id a long name reads as, and
	// longNamesByLength all long names, longest first, for Java's
	// longest match.
	longNameZones     = map[string]string{}
	longNamesByLength []string
)

func init() {
	for _, e := range javaZoneNames {
		for _, z := range e.zones {
			zoneLongNames[z] = [2]string{e.std, e.dst}
		}
		for _, n := range []string{e.std, e.dst} {
			if _, seen := longNameZones[n]; n != "" && !seen {
				longNameZones[n] = e.zones[0]
				longNamesByLength = append(longNamesByLength, n)
			}
		}
	}
	// a stable longest-first order: insertion sort is enough for these few
	for i := 1; i < len(longNamesByLength); i++ {
		for j := i; j > 0 && len(longNamesByLength[j]) > len(longNamesByLength[j-1]); j-- {
			longNamesByLength[j], longNamesByLength[j-1] = longNamesByLength[j-1], longNamesByLength[j]
		}
	}
}

// zoneLongName is the 'zzzz' field of t: Java's long name of its zone,
// the daylight one while daylight saving time is in effect. A zone
// without a known long name (a fixed offset among them) is written by its
// id, as Java writes a ZoneOffset.
func zoneLongName(t time.Time) string {
	id := t.Location().String()
	names, ok := zoneLongNames[id]
	if !ok {
		return id
	}
	if t.IsDST() && names[1] != "" {
		return names[1]
	}
	return names[0]
}

// longNameLocations is the zone each long name reads as, loaded once
// (time.LoadLocation reads the zone's file each call, and a
// TIMESTAMP_FORMAT with 'zzzz' parses one per record); nil where the
// machine lacks the zone's data.
var longNameLocations = sync.OnceValue(func() map[string]*time.Location {
	locs := make(map[string]*time.Location, len(longNameZones))
	for n, id := range longNameZones {
		if loc, err := time.LoadLocation(id); err == nil {
			locs[n] = loc
		}
	}
	return locs
})

// readLongZoneName reads a long zone name at the start of s: its zone and
// length, or nil when s does not start with one.
func readLongZoneName(s string) (*time.Location, int) {
	for _, n := range longNamesByLength {
		if len(s) >= len(n) && s[:len(n)] == n {
			loc := longNameLocations()[n]
			if loc == nil {
				return nil, 0
			}
			return loc, len(n)
		}
	}
	return nil, 0
}
