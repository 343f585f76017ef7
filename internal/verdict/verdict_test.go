package verdict

import (
	"bytes"
	"encoding/json"
	"testing"
)

func TestWriterEscapesAllButNewlines(t *testing.T) {
	var b bytes.Buffer
	in := "a\tb\n\x1b[2J\x1b]8;;https://evil.example/\x1b\\\u202Eoff\u2066\u0085\r\xff\n"
	n, err := Writer(&b).Write([]byte(in))
	if err != nil || n != len(in) {
		t.Fatalf("Write = %d, %v; want %d, nil", n, err, len(in))
	}
	want := "a\tb\n\\x1b[2J\\x1b]8;;https://evil.example/\\x1b\\\\u202Eoff\\u2066\\u0085\\x0d\\xff\n"
	if b.String() != want {
		t.Errorf("Writer wrote %q, want %q", b.String(), want)
	}
	if got := DisplayLines(in); got != want {
		t.Errorf("DisplayLines(%q) = %q, want %q", in, got, want)
	}
	if got := Display("a\nb"); got != `a\x0ab` {
		t.Errorf("Display(a\\nb) = %q", got)
	}
}

func TestJSONWriterEscapesAsVerify(t *testing.T) {
	var b bytes.Buffer
	if err := json.NewEncoder(JSONWriter(&b)).Encode(map[string]string{"s": "\x1b[2J\u202E\u0085\u200B\U000E0041é"}); err != nil {
		t.Fatal(err)
	}
	want := `{"s":"\u001b[2J\u202e\u0085\u200b\udb40\udc41é"}` + "\n"
	if b.String() != want {
		t.Errorf("got %s, want %s", b.String(), want)
	}
	var back map[string]string
	if err := json.Unmarshal(b.Bytes(), &back); err != nil || back["s"] != "\x1b[2J\u202E\u0085\u200B\U000E0041é" {
		t.Errorf("round trip: %q, %v", back["s"], err)
	}
}

func TestStatusAndCheck(t *testing.T) {
	if Worse(Warning, Unknown) != Unknown || Worse(Critical, Unknown) != Critical || Worse(OK, Status(9)) != Status(9) {
		t.Error("Worse does not order CRITICAL > UNKNOWN > WARNING > OK")
	}
	b, _ := json.Marshal(Note("window", "no proof"))
	if string(b) != `{"name":"window","status":"INFO","message":"no proof"}` {
		t.Errorf("Note marshals as %s", b)
	}
	var c Check
	if err := json.Unmarshal(b, &c); err != nil || !c.Info || c.Status != OK || c.Label() != "INFO" {
		t.Errorf("Note reads back as %+v, %v", c, err)
	}
}

func TestIsASCIIBytes(t *testing.T) {
	for _, s := range []string{"", "a", "abcdefgh", "abcdefghi", "abcdefg\x80", "\x80bcdefghijklmnop", "abcdefghijklmno\xff", "é"} {
		want := true
		for i := 0; i < len(s); i++ {
			want = want && s[i] < 0x80
		}
		if got := isASCIIBytes([]byte(s)); got != want {
			t.Errorf("isASCIIBytes(%q) = %v", s, got)
		}
	}
}
