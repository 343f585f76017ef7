package canary

import (
	"strconv"
	"strings"
	"testing"
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
