package verify

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/canarykit/canarykit/canary"
)

// WriteJSON must write exactly what json.Marshal writes for a Result.
func TestWriteJSONMatchesMarshal(t *testing.T) {
	a, b := twoKeys(t)
	first := mk(t, 1, t0, nil, statements(), a)
	results := []*Result{
		Verify(first, Options{Keys: a.public, At: t0.Add(time.Hour)}),
		Verify(mk(t, 2, t0.Add(time.Hour), first, statements(), a, b), Options{Keys: a.public, At: t0.Add(2 * time.Hour), Previous: first}),
		Verify(sign(t, []byte("Free text, no warrants.\n"), t0, a), Options{Keys: a.public, At: t0.Add(time.Hour)}),
		Verify([]byte("nothing"), Options{}),
		Unchecked("input", errors.New("cannot read")),
	}
	// A canary without Signer lines: its signers are written as [].
	noSigners := Verify(first, Options{Keys: a.public, At: t0.Add(time.Hour)})
	noSigners.Canary.Signers = nil
	results = append(results, noSigners)
	for i, r := range results {
		want, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		if err := WriteJSON(&got, r); err != nil {
			t.Fatal(err)
		}
		if got.String() != string(want)+"\n" {
			t.Errorf("result %d:\nWriteJSON:    %s\njson.Marshal: %s", i, got.String(), want)
		}
	}
	if !bytes.Contains(mustMarshal(t, noSigners), []byte(`"signers":[]`)) {
		t.Error("a canary without signers is not written with \"signers\":[]")
	}
}

func mustMarshal(t *testing.T, r *Result) []byte {
	var b bytes.Buffer
	if err := WriteJSON(&b, r); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// Invisible and direction-changing characters are written as \u escapes
// in JSON: the same strings to a JSON reader, but never shown raw.
func TestWriteJSONEscapesInvisibleCharacters(t *testing.T) {
	r := Verify(canaryWith(t, "Example Org", canaryStatement("a", "We have received \u202eno\u202c warrants\u200b. \U000E0041")), Options{At: t0})
	var got bytes.Buffer
	if err := WriteJSON(&got, r); err != nil {
		t.Fatal(err)
	}
	for _, raw := range []string{"\u202e", "\u202c", "\u200b", "\U000E0041"} {
		if bytes.Contains(got.Bytes(), []byte(raw)) {
			t.Errorf("%q written raw", raw)
		}
	}
	if !bytes.Contains(got.Bytes(), []byte(`\u202e`)) || !bytes.Contains(got.Bytes(), []byte(`\udb40\udc41`)) {
		t.Errorf("escapes missing: %s", got.Bytes())
	}
	want, _ := json.Marshal(r)
	var a, b any
	if err := json.Unmarshal(got.Bytes(), &a); err != nil {
		t.Fatal(err)
	}
	json.Unmarshal(want, &b)
	if !reflect.DeepEqual(a, b) {
		t.Errorf("the escaped JSON reads differently from json.Marshal's")
	}
}

func canaryStatement(id, text string) canary.Statement { return canary.Statement{ID: id, Text: text} }
