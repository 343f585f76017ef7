package main

import (
	"os"
	"path/filepath"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	ft "github.com/canarykit/canarykit/internal/freshness/freshnesstest"
)

// freshnessSetup gives every script stand-ins for the freshness services
// on 127.0.0.1, serving real drand and Bitcoin data:
//
//	$DRAND_URL    quicknet, latest round 12040883 (2024-10-14T17:13:33Z)
//	$BTC_URL      Esplora API, tip 881426, block 881423 (2025-01-30T00:01:45Z)
//	$FEED_URL     /rss.xml, two headlines of 2024-10-14
//	$TSA_URL      an RFC 3161 TSA; its root is $WORK/tsa-roots.pem
//	$OTHER_TSA_URL a TSA of another CA, not in tsa-roots.pem
func freshnessSetup(env *testscript.Env) error {
	drand := ft.Drand(ft.Round12040883)
	btc := ft.BlockAPI(881426, []ft.Block{ft.Block881423})
	feeds := ft.Feeds(map[string]string{"/rss.xml": `<?xml version="1.0"?><rss version="2.0"><channel>
<item><title>Central bank holds rates</title><pubDate>Mon, 14 Oct 2024 16:58:00 GMT</pubDate></item>
<item><title>Storm reaches the coast</title><pubDate>Mon, 14 Oct 2024 15:30:00 GMT</pubDate></item>
</channel></rss>`})
	x := ft.NewTSA(ft.Round12040883Time.Add(10*time.Second), ft.CertOptions{})
	other := ft.NewTSA(ft.Round12040883Time.Add(10*time.Second), ft.CertOptions{})
	env.Defer(func() { drand.Close(); btc.Close(); feeds.Close(); x.Close(); other.Close() })
	env.Setenv("DRAND_URL", drand.URL)
	env.Setenv("BTC_URL", btc.URL)
	env.Setenv("FEED_URL", feeds.URL)
	env.Setenv("TSA_URL", x.URL)
	env.Setenv("OTHER_TSA_URL", other.URL)
	env.Values["tsa"] = x
	return os.WriteFile(filepath.Join(env.WorkDir, "tsa-roots.pem"), x.RootPEM, 0o644)
}

var freshnessCmds = map[string]func(ts *testscript.TestScript, neg bool, args []string){
	// tsa time RFC3339 sets the test TSA's clock; tsa fault NAME makes it
	// answer wrongly (none, nonce, imprint).
	"tsa": func(ts *testscript.TestScript, neg bool, args []string) {
		x := ts.Value("tsa").(*ft.TSA)
		if neg || len(args) != 2 {
			ts.Fatalf("usage: tsa time RFC3339 | tsa fault none|nonce|imprint")
		}
		switch args[0] {
		case "time":
			t, err := time.Parse(time.RFC3339, args[1])
			ts.Check(err)
			x.SetTime(t)
		case "fault":
			f, ok := map[string]ft.Fault{"none": ft.NoFault, "nonce": ft.WrongNonce, "imprint": ft.OtherImprint}[args[1]]
			if !ok {
				ts.Fatalf("unknown fault %q", args[1])
			}
			x.SetFault(f)
		default:
			ts.Fatalf("usage: tsa time RFC3339 | tsa fault none|nonce|imprint")
		}
	},
	// expandenv FILE... replaces $VAR and ${VAR} in files with the
	// script's environment, for definitions that name the test servers.
	"expandenv": func(ts *testscript.TestScript, neg bool, args []string) {
		for _, f := range args {
			p := ts.MkAbs(f)
			b, err := os.ReadFile(p)
			ts.Check(err)
			ts.Check(os.WriteFile(p, []byte(os.Expand(string(b), ts.Getenv)), 0o644))
		}
	},
}
