package kmsserver

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/canarykit/canarykit/internal/kmsproto"
)

// Each line gets one answer, in order; a bad line gets a typed error and
// does not end the session.
func TestServeErrors(t *testing.T) {
	in := strings.Join([]string{
		`{"v":1,"op":"hello"}`,
		`not json`,
		`{"v":2,"op":"hello"}`,
		`{"v":1,"op":"decrypt","ref":"x://y"}`,
		`{"v":1,"op":"sign","hash":"SHA-256"}`,
		`{"v":1,"op":"sign","ref":"x://y","hash":"MD5"}`,
		``,
		`{"v":1,"op":"public-key","ref":"nosuch://key","hash":"SHA-256"}`,
	}, "\n")
	var out bytes.Buffer
	if err := Serve(strings.NewReader(in), &out, "v9"); err != nil {
		t.Fatal(err)
	}
	var rs []kmsproto.Response
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var r kmsproto.Response
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		rs = append(rs, r)
	}
	if len(rs) != 7 {
		t.Fatalf("%d answers, want 7:\n%s", len(rs), out.String())
	}
	if h := rs[0]; !h.OK || h.Program != "canary-kms" || h.Version != "v9" || len(h.Protocols) != 1 || h.Protocols[0] != 1 {
		t.Errorf("hello: %+v", h)
	}
	for i, code := range []string{kmsproto.CodeBadRequest, kmsproto.CodeUnsupportedVersion, kmsproto.CodeUnknownOp, kmsproto.CodeBadRequest, kmsproto.CodeUnsupportedHash, kmsproto.CodeNoProvider} {
		r := rs[i+1]
		if r.OK || r.V != 1 || r.Error == nil || r.Error.Code != code {
			t.Errorf("answer %d: %s, want error %s", i+1, out.String(), code)
		}
	}
	if m := rs[6].Error.Message; !strings.Contains(m, "sigstore-kms-nosuch on PATH") {
		t.Errorf("no-provider message: %s", m)
	}
}
