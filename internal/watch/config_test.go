package watch

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/canarykit/canarykit/internal/corpustest"
)

const goodList = `# yaml-language-server: $schema=https://canarykit.github.io/schema/watch.schema.json
defaults:
  keys: [keys/example.pub.asc]
  warn_before: 3d
  unreachable_after: 4
alerts:
  reminder: 12h
  heartbeat: 7d
  webhooks:
    - url: https://hooks.example.org/canary
      secret_env: HOOK_SECRET
  email:
    - server: smtp.example.org:587
      from: canary@example.org
      to: [alerts@example.org]
      username: canary
      password_env: SMTP_PASSWORD
  commands:
    - name: pager
      run: [./page-me, --urgent]
targets:
  - name: example-org
    url: https://example.org/canary.txt
  - name: qubes
    url: https://example.net/canary-047.txt
    keys: [wkd:canary@example.net, "F70D 56C5 8248 D1DD 19D3  9559 C9A3 B839 94E1 8046"]
    sigs: [https://example.net/canary-047.txt.sig.alice]
    threshold: 2
    cadence: 90d
    proxy: socks5://127.0.0.1:9050
  - name: local
    file: canary.txt
    max_age: 120d
    unreachable_for: 1h
`

func TestParseConfig(t *testing.T) {
	c, err := ParseConfig("watch.yaml", "/etc/canary", []byte(goodList))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Targets) != 3 {
		t.Fatalf("%d targets", len(c.Targets))
	}
	ex, q, l := c.Targets[0], c.Targets[1], c.Targets[2]
	if ex.Keys[0] != "/etc/canary/keys/example.pub.asc" || ex.WarnBefore != 3*24*time.Hour || ex.UnreachableAfter != 4 ||
		ex.UnreachableFor != DefaultUnreachableFor || ex.Threshold != 1 || ex.MaxAge != 0 || ex.Timeout != DefaultTimeout {
		t.Errorf("defaults not applied: %+v", ex)
	}
	if q.Keys[0] != "wkd:canary@example.net" || !strings.HasPrefix(q.Keys[1], "F70D") || q.Threshold != 2 ||
		q.MaxAge != 97*24*time.Hour || q.Proxy != "socks5://127.0.0.1:9050" || q.Sigs[0] != "https://example.net/canary-047.txt.sig.alice" {
		t.Errorf("overrides: %+v", q)
	}
	if l.File != "/etc/canary/canary.txt" || l.MaxAge != 120*24*time.Hour || l.UnreachableFor != time.Hour || l.Location() != l.File {
		t.Errorf("file target: %+v", l)
	}
	a := c.Alerts
	if a.Reminder != 12*time.Hour || a.Heartbeat != 7*24*time.Hour || a.Webhooks[0].Name != "webhook-1" || a.Email[0].TLS != "starttls" || a.Commands[0].Name != "pager" ||
		a.Commands[0].Run[0] != "/etc/canary/page-me" {
		t.Errorf("alerts: %+v", a)
	}
	if got := ChannelNames(a); strings.Join(got, ",") != "webhook-1,email-1,pager" {
		t.Errorf("channel names %v", got)
	}
}

func TestParseConfigErrors(t *testing.T) {
	for _, tc := range []struct{ list, want string }{
		{"targets: []", "targets"},
		{"targets:\n  - {name: a, url: ftp://x/y, keys: [k]}", "https://"},
		{"targets:\n  - {name: 'a b', url: https://x/y, keys: [k]}", "targets[0].name"},
		{"targets:\n  - {name: a, url: https://x/y, keys: [k], max_age: 90 days}", "targets[0].max_age"},
		{"targets:\n  - {name: a, url: https://x/y, keys: [k], max_bytes: lots}", "targets[0].max_bytes"},
		{"targets:\n  - {name: a, url: https://x/y, keys: [k], proxy: ftp://p}", "targets[0].proxy"},
		{"targets:\n  - {name: a, url: https://x/y}", "no keys"},
		{"targets:\n  - {name: a, keys: [k]}", "give either url or file"},
		{"targets:\n  - {name: a, url: https://x/y, keys: [k]}\n  - {name: a, url: https://x/z, keys: [k]}", `the name "a" is also used`},
		{"defaults: {max_age: 1d, cadence: 1d}\ntargets:\n  - {name: a, url: https://x/y, keys: [k]}", "not both"},
		{"alerts: {email: [{server: 'mail:25', from: a@b, to: [c@d], tls: none, username: u, password_env: P}]}\ntargets:\n  - {name: a, url: https://x/y, keys: [k]}", "in clear"},
		{"alerts: {email: [{server: 'mail:25', from: a@b, to: [c@d], username: u}]}\ntargets:\n  - {name: a, url: https://x/y, keys: [k]}", "together"},
		{"alerts: {commands: [{run: [a]}, {name: command-1, run: [b]}]}\ntargets:\n  - {name: a, url: https://x/y, keys: [k]}", "two channels"},
		{"alerts: {heartbeat: 10m}\ntargets:\n  - {name: a, url: https://x/y, keys: [k]}", "heartbeat \"10m\" is less than an hour"},
		{"alerts: {heartbeat: weekly}\ntargets:\n  - {name: a, url: https://x/y, keys: [k]}", "heartbeat"},
		{"# only a comment\n", "empty"},
		{"targets:\n  - {name: a, url: https://x/y, keys: [k]}\n  - &x {name: b}", "anchors"},
		{"targets:\n  - name: a\n    name: b\n    url: https://x/y\n    keys: [k]", "name"},
	} {
		_, err := ParseConfig("w.yaml", "/d", []byte(tc.list))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want one containing %q", tc.list, err, tc.want)
		}
	}
}

// moreLists are valid watch lists using the fields goodList leaves out,
// for the fuzz seeds.
var moreLists = []string{
	`defaults: {keys: ["wkd:canary@example.org"], vks: https://keys.example.org, threshold: 1, max_age: 100d, timeout: 1m, max_bytes: 64KiB}
alerts:
  webhooks: [{name: hook, url: https://hooks.example.org/c, timeout: 5s}]
  email: [{name: mail, server: 127.0.0.1:25, tls: none, from: a@example.org, to: [b@example.org, c@example.org], timeout: 10s}]
  commands: [{run: [logger, -t, canary], timeout: 3s}]
targets:
  - {name: a, url: "https://example.org/canary.txt", sigs: [a.sig, "https://example.org/canary.txt.sig"]}
  - {name: b, file: /srv/canary.txt, cadence: 30d, grace: 2d, warn_before: 1d, unreachable_after: 5, unreachable_for: 2h}
`,
	"---\n# comment\ntargets:\n  - name: x\n    url: http://exampleonionxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.onion/canary.txt\n" +
		"    keys: [\"F70D 56C5 8248 D1DD 19D3  9559 C9A3 B839 94E1 8046\"]\n    proxy: socks5://127.0.0.1:9050\n",
	`defaults: {keys: [k.asc], via: [direct, "socks5://127.0.0.1:9050", "http://proxy.example:3128"]}
targets:
  - {name: a, url: "https://example.org/canary.txt"}
  - {name: b, url: "https://example.net/canary.txt", proxy: "socks5h://127.0.0.1:9050"}
  - {name: c, url: "https://example.com/canary.txt", via: ["socks5://u:p@127.0.0.1:9050", "socks5://v:p@127.0.0.1:9050"]}
`,
}

func TestMoreLists(t *testing.T) {
	for i, list := range moreLists {
		if _, err := ParseConfig("w.yaml", "/d", []byte(list)); err != nil {
			t.Errorf("moreLists[%d]: %v", i, err)
		}
	}
}

// FuzzParseConfig: any input gives a config or an error, never a panic,
// and a config it accepts is complete.
func FuzzParseConfig(f *testing.F) {
	f.Add([]byte(goodList))
	f.Add([]byte("targets:\n  - {name: a, url: https://x/y, keys: [k]}\n"))
	f.Add([]byte("defaults: {cadence: 1w3d}\ntargets: [{name: a, file: f, keys: [k], sigs: [s]}]\n"))
	f.Add([]byte("alerts: {reminder: 0s}\ntargets: [{name: a, file: f, keys: [k]}]"))
	for _, list := range moreLists {
		f.Add([]byte(list))
	}
	if example, err := os.ReadFile("../../docs/examples/watch.yaml"); err == nil {
		f.Add(example)
	}
	// Real canaries and keys from the shared corpus: not watch lists, but
	// real-world YAML-ish text the parser must reject cleanly.
	corpustest.Seeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseConfig("w.yaml", "/d", data)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error")
			}
			return
		}
		if len(c.Targets) == 0 {
			t.Fatal("accepted a list without targets")
		}
		names := map[string]bool{}
		for _, tg := range c.Targets {
			if (tg.URL == "") == (tg.File == "") || len(tg.Keys) == 0 || tg.Threshold < 1 || tg.UnreachableAfter < 1 ||
				tg.Timeout <= 0 || tg.MaxBytes <= 0 || names[tg.Name] {
				t.Fatalf("accepted an incomplete target: %+v", tg)
			}
			// A target's vantage points are each fetched as its own
			// target: at least two, of a URL, and no proxy besides.
			if len(tg.Via) > 0 && (len(tg.Via) < 2 || tg.URL == "" || tg.Proxy != "") {
				t.Fatalf("accepted a target with a bad via: %+v", tg)
			}
			names[tg.Name] = true
		}
	})
}

// The example in docs/ must stay a valid watch list.
func TestExampleWatchList(t *testing.T) {
	c, err := LoadConfig("../../docs/examples/watch.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Targets) != 3 || len(ChannelNames(c.Alerts)) != 3 {
		t.Fatalf("example: %d targets, channels %v", len(c.Targets), ChannelNames(c.Alerts))
	}
}
