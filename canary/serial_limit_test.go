package canary

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// Serials stop at 2^53-1: JSON readers that hold numbers as doubles
// (JavaScript, jq) cannot tell 2^53+1 from 2^53, so their replay checks
// would fail on larger ones (issue 13 item 7).
func TestSerialLimit(t *testing.T) {
	if MaxSerial != 9007199254740991 || float64(MaxSerial) == float64(MaxSerial+1) {
		t.Fatalf("MaxSerial = %d, want 2^53-1", uint64(MaxSerial))
	}
	const msg = "is larger than 2^53-1, the largest number JSON readers agree on"
	for _, tc := range []struct {
		serial uint64
		ok     bool
	}{
		{1, true},
		{MaxSerial, true},
		{MaxSerial + 1, false},
		{MaxSerial + 2, false},
		{1e18, false},
		{1<<64 - 1, false},
	} {
		c := sample()
		c.Serial = tc.serial
		err := c.Validate()
		if tc.ok != (err == nil) {
			t.Errorf("Validate serial %d: %v", tc.serial, err)
			continue
		}
		if !tc.ok && !strings.Contains(err.Error(), "serial "+strconv.FormatUint(tc.serial, 10)+" "+msg) {
			t.Errorf("Validate serial %d: %q, want %q", tc.serial, err, msg)
		}
		text := strings.Replace(sampleText, "\nSerial: 7\n", "\nSerial: "+strconv.FormatUint(tc.serial, 10)+"\n", 1)
		if tc.serial == 1<<64-1 {
			continue // 20 digits: refused by the serial's shape
		}
		got, err := Parse([]byte(text))
		if tc.ok {
			if err != nil || got.Serial != tc.serial {
				t.Errorf("Parse serial %d: %v", tc.serial, err)
			}
		} else if err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("Parse serial %d: %v, want %q", tc.serial, err, msg)
		}
	}
}

// The canary after serial 2^53-1 cannot be made.
func TestNextStopsAtMaxSerial(t *testing.T) {
	def := &Definition{
		Issuer:     Issuer{Name: "Example Org", URL: "https://example.org"},
		Cadence:    Duration(90 * 24 * time.Hour),
		Grace:      Duration(7 * 24 * time.Hour),
		Threshold:  1,
		Statements: []Statement{{ID: "no-warrants", Text: "Example Org has not received any warrant."}},
	}
	prev := sample()
	prev.Serial = MaxSerial - 1
	now := prev.Issued.Add(90 * 24 * time.Hour)
	c, err := Next(def, prev.Signers, prev, prev.Render(), now)
	if err != nil || c.Serial != MaxSerial {
		t.Fatalf("Next after %d: %v", prev.Serial, err)
	}
	prev.Serial = MaxSerial
	if c, err := Next(def, prev.Signers, prev, prev.Render(), now); err == nil || !strings.Contains(err.Error(), "serial 9007199254740992 is larger than 2^53-1") {
		t.Fatalf("Next after 2^53-1: %v, %+v", err, c)
	}
}
