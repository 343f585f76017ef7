package watch

import (
	"slices"
	"testing"
)

// TestViaConfig: via is read as written, inherited from defaults as one
// setting with proxy (a target's own proxy replaces the defaults' via),
// and every misuse is refused with a message that says what to do.
func TestViaConfig(t *testing.T) {
	c, err := ParseConfig("w.yaml", "/d", []byte(`defaults: {keys: [k], via: [direct, "socks5://127.0.0.1:9050"]}
targets:
  - {name: a, url: https://x/y}
  - {name: b, url: https://x/z, proxy: "http://p:3128"}
  - {name: c, url: https://x/w, via: ["socks5://127.0.0.1:9050", "http://p:3128"]}
  - {name: d, file: canary.txt}
`))
	if err != nil {
		t.Fatal(err)
	}
	a, b, cc, d := c.Targets[0], c.Targets[1], c.Targets[2], c.Targets[3]
	// A file is read here, not fetched: the defaults' via is not for it.
	if len(d.Via) != 0 {
		t.Errorf("d: a file target has via %q", d.Via)
	}
	if !slices.Equal(a.Via, []string{"direct", "socks5://127.0.0.1:9050"}) || a.Proxy != "" {
		t.Errorf("a: via %q proxy %q; want the defaults' via", a.Via, a.Proxy)
	}
	if len(b.Via) != 0 || b.Proxy != "http://p:3128" {
		t.Errorf("b: via %q proxy %q; want its own proxy only", b.Via, b.Proxy)
	}
	if !slices.Equal(cc.Via, []string{"socks5://127.0.0.1:9050", "http://p:3128"}) {
		t.Errorf("c: via %q; want its own", cc.Via)
	}

	for _, tc := range []struct{ list, want string }{
		{"targets:\n  - {name: a, url: https://x/y, keys: [k], via: [direct]}",
			"w.yaml:2:49: targets[0].via: has 1 entries; it needs at least 2"},
		{"targets:\n  - {name: a, url: https://x/y, keys: [k], via: direct}",
			`w.yaml:2:49: targets[0].via: must be a list, not a string; write each entry on its own line, starting with "- "`},
		{"targets:\n  - {name: a, url: https://x/y, keys: [k], via: [direct, direct]}",
			"w.yaml:2:58: targets[0].via: entries [0] and [1] are the same; remove one"},
		{"targets:\n  - {name: a, url: https://x/y, keys: [k], via: [direct, ftp://p]}",
			"w.yaml:2:58: targets[0].via[1]: \"ftp://p\" is not in the expected form; see `canary schema` for the pattern"},
		{"targets:\n  - {name: a, url: https://x/y, keys: [k], via: [direct, 'socks5://u:p@127.0.0.1:9050', 'socks5://u:q@127.0.0.1:9050']}",
			"w.yaml: targets[0] (a): via[1] and via[2] are the same vantage point (socks5://u:REDACTED@127.0.0.1:9050); name each once"},
		{"targets:\n  - {name: a, url: https://x/y, keys: [k], proxy: 'socks5://127.0.0.1:9050', via: [direct, 'http://p:3128']}",
			`w.yaml: targets[0] (a): give proxy or via, not both (put the proxy among the vantage points of via; "direct" is the one without a proxy)`},
		{"targets:\n  - {name: a, file: c.txt, keys: [k], via: [direct, 'socks5://127.0.0.1:9050']}",
			"w.yaml: targets[0] (a): via fetches a URL through each vantage point; a file has none (remove via, or give a url)"},
		{"defaults: {proxy: 'socks5://127.0.0.1:9050', via: [direct, 'http://p:3128']}\ntargets:\n  - {name: a, url: https://x/y, keys: [k]}",
			`w.yaml: defaults: give proxy or via, not both (put the proxy among the vantage points of via; "direct" is the one without a proxy)`},
	} {
		_, err := ParseConfig("w.yaml", "/d", []byte(tc.list))
		if err == nil || err.Error() != tc.want {
			t.Errorf("%q:\n got  %v\n want %s", tc.list, err, tc.want)
		}
	}
}
