// Package duration reads and writes the durations canarykit takes
// everywhere (a definition's cadence, watch intervals, command flags): Go
// durations plus days and weeks, since canaries are renewed on calendar
// scales.
package duration

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// A Duration is a time.Duration that also takes d (days) and w (weeks),
// since canaries are renewed on calendar scales.
type Duration time.Duration

// Parse parses Go durations plus the units d and w: "90d", "1w3d",
// "36h".
func Parse(s string) (time.Duration, error) {
	orig := s
	if s == "" {
		return 0, fmt.Errorf("empty duration")
	}
	var total float64
	for s != "" {
		i := 0
		for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
			i++
		}
		if i == 0 {
			return 0, fmt.Errorf("duration %q: expected a number; write e.g. 90d, 12w or 36h", orig)
		}
		n, err := strconv.ParseFloat(s[:i], 64)
		if err != nil {
			return 0, fmt.Errorf("duration %q: bad number %q", orig, s[:i])
		}
		s = s[i:]
		j := 0
		for j < len(s) && !(s[j] >= '0' && s[j] <= '9' || s[j] == '.') {
			j++
		}
		unit := s[:j]
		s = s[j:]
		var mult float64
		switch unit {
		case "w":
			mult = float64(7 * 24 * time.Hour)
		case "d":
			mult = float64(24 * time.Hour)
		case "h", "m", "s", "ms", "us", "µs", "ns":
			d, _ := time.ParseDuration("1" + unit)
			mult = float64(d)
		default:
			return 0, fmt.Errorf("duration %q: unknown unit %q; use w, d, h, m or s", orig, unit)
		}
		total += n * mult
	}
	if total > math.MaxInt64 || total < 0 {
		return 0, fmt.Errorf("duration %q is too long", orig)
	}
	return time.Duration(total), nil
}

// Format writes d in the largest whole units, e.g. 90d or 36h.
func Format(d time.Duration) string {
	day := 24 * time.Hour
	switch {
	case d == 0:
		return "0s"
	case d%(7*day) == 0:
		return strconv.FormatInt(int64(d/(7*day)), 10) + "w"
	case d%day == 0:
		return strconv.FormatInt(int64(d/day), 10) + "d"
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

func (d *Duration) UnmarshalYAML(b []byte) error {
	var s string
	if err := yaml.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := Parse(strings.TrimSpace(s))
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

func (d Duration) String() string { return Format(time.Duration(d)) }

// ParseLong is Parse plus whole years (365 days, up to 100), for key
// lifetimes, which are counted in years; a canary's cadence is not.
func ParseLong(s string) (time.Duration, error) {
	if n := len(s); n > 1 && s[n-1] == 'y' {
		// Atoi, not Sscanf's %d, which reads "1.5y" as 1y.
		years, err := strconv.Atoi(s[:n-1])
		if err != nil || years <= 0 || years > 100 {
			return 0, fmt.Errorf("%q: write whole years, e.g. 2y", s)
		}
		return time.Duration(years) * 365 * 24 * time.Hour, nil
	}
	return Parse(s)
}
