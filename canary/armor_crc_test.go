package canary

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp/armor"
)

func TestCRC24MatchesArmor(t *testing.T) {
	for _, data := range [][]byte{nil, []byte("a"), []byte("hello world"), bytes.Repeat([]byte{0xff, 0, 7}, 300)} {
		var b bytes.Buffer
		w, _ := armor.EncodeWithChecksumOption(&b, "PGP SIGNATURE", nil, true)
		w.Write(data)
		w.Close()
		var crc string
		for _, l := range strings.Split(b.String(), "\n") {
			if len(l) == 5 && l[0] == '=' {
				crc = l[1:]
			}
		}
		want, _ := base64.StdEncoding.DecodeString(crc)
		got := crc24(data)
		if len(want) != 3 || want[0] != byte(got>>16) || want[1] != byte(got>>8) || want[2] != byte(got) {
			t.Fatalf("%x: crc %x, armor %x", data, got, want)
		}
	}
}
