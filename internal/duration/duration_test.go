package duration

import (
	"testing"
	"time"
)

func TestDurations(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"90d": 90 * 24 * time.Hour, "1w3d": 10 * 24 * time.Hour, "36h": 36 * time.Hour,
		"1.5d": 36 * time.Hour, "90m": 90 * time.Minute, "2h30m": 150 * time.Minute,
	} {
		got, err := Parse(in)
		if err != nil || got != want {
			t.Errorf("Parse(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "d", "90", "90 days", "3y", "-1d", "99999999999999w"} {
		if _, err := Parse(in); err == nil {
			t.Errorf("Parse(%q) succeeded", in)
		}
	}
	for d, want := range map[time.Duration]string{14 * 24 * time.Hour: "2w", 90 * 24 * time.Hour: "90d", 36 * time.Hour: "36h", 90 * time.Minute: "1h30m"} {
		if got := Format(d); got != want {
			t.Errorf("Format(%v) = %q, want %q", d, got, want)
		}
	}
}

// Years are for key lifetimes only: Parse refuses them (TestDurations).
func TestParseLong(t *testing.T) {
	for in, want := range map[string]time.Duration{"2y": 2 * 365 * 24 * time.Hour, "100y": 100 * 365 * 24 * time.Hour, "90d": 90 * 24 * time.Hour} {
		if got, err := ParseLong(in); err != nil || got != want {
			t.Errorf("ParseLong(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"0y", "101y", "1.5y", "y", "-1y"} {
		if _, err := ParseLong(in); err == nil {
			t.Errorf("ParseLong(%q) succeeded", in)
		}
	}
}
