package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/canarykit/canarykit/internal/watch/store"
)

func TestDBPrune(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "watch.db")
	db, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.SyncTargets(context.Background(), []store.TargetSpec{{Name: "a", Location: "https://a.example/"}}, time.Now()); err != nil {
		t.Fatal(err)
	}
	db.Close()
	list := filepath.Join(dir, "watch.yaml")
	os.WriteFile(list, []byte("retention: {checks: 90d}\ntargets: [{name: a, url: https://a.example/, keys: [k.asc]}]\n"), 0o644)
	bare := filepath.Join(dir, "bare.yaml")
	os.WriteFile(bare, []byte("targets: [{name: a, url: https://a.example/, keys: [k.asc]}]\n"), 0o644)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--config", list}, 0, "removed 0 repeated checks older than 90d of 1 targets"},
		{[]string{"--checks", "30d"}, 0, "older than 30d"},
		{[]string{"--config", bare}, 0, "no retention"},
		{[]string{"--checks", "1h"}, 3, "a day or more"},
		{nil, 3, "give --config"},
	} {
		var out bytes.Buffer
		ios := &streams{In: strings.NewReader(""), Out: &out, Err: &out, Getenv: func(string) string { return "" }, Now: time.Now}
		code := run(append([]string{"db", "prune", "--db", path}, tc.args...), ios)
		if code != tc.code || !strings.Contains(out.String(), tc.want) {
			t.Errorf("%v: exit %d, %q; want %d and %q", tc.args, code, out.String(), tc.code, tc.want)
		}
	}
}
