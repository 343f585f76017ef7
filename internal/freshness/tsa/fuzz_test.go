package tsa

import (
	"testing"
	"time"

	ft "github.com/canarykit/canarykit/internal/freshness/freshnesstest"

	"github.com/canarykit/canarykit/internal/corpustest"
)

func FuzzParse(f *testing.F) {
	x := ft.NewTSA(time.Date(2024, 10, 14, 17, 13, 45, 0, time.UTC), ft.CertOptions{Accuracy: time.Second})
	reply := x.Reply([]byte("seed"))
	x.SetFault(ft.Refuse)
	refused := x.Reply([]byte("seed"))
	x.Close()
	tok, _ := tokenBytes(reply)
	for _, s := range [][]byte{reply, tok, refused, {0x30, 0x00}, {0x30, 0x03, 0x06, 0x01, 0x00}} {
		f.Add(s)
	}
	corpustest.Seeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		tok, err := Parse(data)
		if err != nil {
			return
		}
		if tok.cert == nil || tok.Policy == "" || tok.Time.IsZero() || tok.Accuracy < 0 {
			t.Fatalf("Parse accepted an incomplete token: %+v", tok)
		}
		_, _ = Verify(data, []byte("seed"), Options{Roots: x.Roots})
		_ = tok.Describe()
	})
}
