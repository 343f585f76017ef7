package publish

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"html/template"
	"strings"
	"sync"
	"time"

	"github.com/canarykit/canarykit/canary"
	"github.com/canarykit/canarykit/internal/issue"
)

// page is what the templates see. Statements and names are the
// publisher's text, escaped by html/template like any untrusted text.
type page struct {
	Issuer  canary.Issuer
	Current *entry
	Entries []*entry
	Keys    []pubKey
	Expired bool
	BaseURL string
	Made    time.Time
	CSS     template.CSS
	CSP     string
	Verify  string // the canary verify command line, offline: key files pinned to their fingerprints
	Online  string // the same from BaseURL, keys fetched by fingerprint; empty without BaseURL
	Offline bool   // Verify uses the key files the site publishes
	// Lost are the statements the previous canary made that the current
	// one no longer makes as they were (removed or reworded): readers
	// comparing the two see CRITICAL, so the page says so at the top.
	Lost     []change
	Since    uint64 // the serial Lost is counted from
	Signed   string // canary.txt as published
	Lifetime string
}

// css is the only style: inline, so the page needs nothing from anywhere
// else, and named by its hash in the Content-Security-Policy, so nothing
// injected could style or script the page.
const css = `
:root { color-scheme: light dark; --fg: #1b1b1b; --bg: #fdfdfc; --muted: #4a4a4a; --line: #c8c8c8; --ok: #0b5d1e; --bad: #8a1010; --code: #f0f0ee; }
@media (prefers-color-scheme: dark) { :root { --fg: #ececec; --bg: #161616; --muted: #c0c0c0; --line: #555; --ok: #8fd19e; --bad: #ff9d9d; --code: #242424; } }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 1.05rem/1.55 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
header, main, footer { max-width: 52rem; margin: 0 auto; padding: 0 1.25rem; }
header { padding-top: 1.5rem; }
h1 { font-size: 1.8rem; line-height: 1.25; margin: 0.5rem 0; }
h2 { font-size: 1.3rem; margin: 2rem 0 0.5rem; border-bottom: 1px solid var(--line); padding-bottom: 0.2rem; }
a { color: inherit; text-decoration-thickness: 1px; text-underline-offset: 2px; }
a:focus-visible, pre:focus-visible { outline: 3px solid #1a5fb4; outline-offset: 2px; }
.skip { position: absolute; left: -999rem; }
.skip:focus { left: 1rem; top: 1rem; background: var(--bg); padding: 0.3rem; }
.verdict { border-left: 0.35rem solid var(--ok); padding: 0.5rem 0.9rem; margin: 1rem 0; }
.verdict.expired, .verdict.alarm { border-color: var(--bad); }
.verdict.alarm strong { color: var(--bad); }
.verdict p { margin: 0.3rem 0; }
ul.statements { padding-left: 1.2rem; }
ul.statements li { margin: 0.5rem 0; }
.id, .muted { color: var(--muted); font-size: 0.9rem; }
.id { white-space: nowrap; }
code, pre, .fpr { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 0.92rem; }
pre { background: var(--code); padding: 0.8rem; overflow-x: auto; white-space: pre; border: 1px solid var(--line); }
pre.signed { white-space: pre-wrap; overflow-wrap: anywhere; }
.fpr { word-spacing: 0.15rem; overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; }
caption { text-align: left; font-weight: 600; padding: 0.3rem 0; }
th, td { text-align: left; padding: 0.35rem 0.5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
nav ul { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 0.4rem 1.2rem; }
.removed { color: var(--bad); font-weight: 600; }
footer { margin-top: 2.5rem; padding-bottom: 2rem; color: var(--muted); font-size: 0.9rem; }
`

func newPage(entries []*entry, keys []pubKey, signed []byte, o Options, expired bool) *page {
	sum := sha256.Sum256([]byte(css))
	p := &page{
		Issuer:  entries[0].Canary.Issuer,
		Current: entries[0],
		Entries: entries,
		Keys:    keys,
		Expired: expired,
		Signed:  string(signed),
		BaseURL: o.BaseURL,
		Made:    o.Now.UTC(),
		CSS:     template.CSS(css),
		CSP: "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) +
			"'; img-src 'none'; base-uri 'none'; form-action 'none'",
	}
	c := p.Current.Canary
	p.Lifetime = days(c.Expires.Sub(c.Issued))
	// Offline: the key files of the site, each pinned to its fingerprint,
	// so that a swapped key file fails the check. A key the site does not
	// publish is named by fingerprint only (fetched from a key server).
	p.Verify = "canary verify " + issue.CurrentFile
	for _, k := range keys {
		if k.File != "" {
			p.Offline = true
			p.Verify += " --key " + k.File
		}
		p.Verify += " --key " + k.Fingerprint
	}
	if o.BaseURL != "" {
		p.Online = "canary verify " + o.BaseURL + issue.CurrentFile
		for _, k := range keys {
			p.Online += " --key " + k.Fingerprint
		}
	}
	if !p.Current.First {
		p.Since = c.Serial - 1
		for _, ch := range p.Current.Changes {
			if ch.Kind == "removed" || ch.Kind == "reworded" {
				p.Lost = append(p.Lost, ch)
			}
		}
	}
	return p
}

func (p *page) render(t *template.Template) []byte {
	var b bytes.Buffer
	if err := t.Execute(&b, p); err != nil {
		// The templates are constants and the data is checked: an error
		// here is a bug, and a half page must never be published.
		panic(err)
	}
	return b.Bytes()
}

// words writes a time as a reader says it, with the weekday, so that a
// deadline on a weekend is seen as one.
func words(t time.Time) string { return t.UTC().Format("Monday 2 January 2006, 15:04 UTC") }

func days(d time.Duration) string {
	n := int(d.Round(time.Hour).Hours()) / 24
	if n == 1 {
		return "1 day"
	}
	return fmt.Sprintf("%d days", n)
}

// groups writes a fingerprint in groups of four, as gpg prints it.
func groups(fp string) string {
	var b strings.Builder
	for i := 0; i < len(fp); i += 4 {
		if i > 0 {
			b.WriteByte(' ')
			if i == len(fp)/2 {
				b.WriteByte(' ')
			}
		}
		b.WriteString(fp[i:min(i+4, len(fp))])
	}
	return b.String()
}

// funcs are the templates' functions, made for each template parsed, so
// that no map is built at package init.
func funcs() template.FuncMap {
	return template.FuncMap{
		"words":  words,
		"iso":    func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"groups": groups,
		"short":  func(d string) string { return strings.TrimPrefix(d, "sha256:")[:16] + "…" },
		// fromArchive links a site file from archive/index.html.
		"fromArchive": func(file string) string {
			if rest, ok := strings.CutPrefix(file, issue.ArchiveDir+"/"); ok {
				return rest
			}
			return "../" + file
		},
	}
}

const head = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{{.CSP}}">
<meta name="referrer" content="no-referrer">
<meta name="generator" content="canarykit">
`

// Templates are parsed on first use: every canary process would otherwise
// pay for them at start-up, including the verify path that never renders.
var indexTemplate = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("index").Funcs(funcs()).Parse(head + `<title>Warrant canary of {{.Issuer.Name}}</title>
<link rel="alternate" type="application/atom+xml" title="New canaries of {{.Issuer.Name}}" href="feed.atom">
<style>{{.CSS}}</style>
</head>
<body>
<a class="skip" href="#statements">Skip to the statements</a>
<header>
<p class="muted">Warrant canary · <a href="{{.Issuer.URL}}" rel="noopener">{{.Issuer.URL}}</a></p>
<h1>Warrant canary of {{.Issuer.Name}}</h1>
</header>
<main>
{{with .Current.Canary}}
<section class="verdict{{if $.Expired}} expired{{else if $.Lost}} alarm{{end}}" aria-labelledby="current">
<h2 id="current">Canary number {{.Serial}}</h2>
{{if $.Expired}}<p><strong>This canary has expired.</strong> It was valid until <time datetime="{{iso .Expires}}">{{words .Expires}}</time>, and no newer canary has been published here. Do not rely on its statements.</p>
<p>Issued <time datetime="{{iso .Issued}}">{{words .Issued}}</time>.</p>
{{else}}<p>Issued <time datetime="{{iso .Issued}}">{{words .Issued}}</time>.</p>
<p>Valid until <time datetime="{{iso .Expires}}">{{words .Expires}}</time> ({{$.Lifetime}} after it was issued).</p>
<p>If no newer canary has replaced this one by then, do not rely on the statements below: assume that they may no longer be true.</p>
{{end}}{{with $.Lost}}<p><strong>Since canary {{$.Since}}, {{$.Issuer.Name}} no longer states:</strong></p>
<ul class="statements">
{{range .}}<li>“{{.Old}}” <span class="id">({{.ID}})</span>{{if .New}} — it now reads: “{{.New}}”{{end}}</li>
{{end}}</ul>
{{end}}</section>

<section aria-labelledby="statements">
<h2 id="statements">Statements</h2>
<p>{{.Issuer.Name}} states:</p>
<ul class="statements">
{{range .Statements}}<li id="statement-{{.ID}}">{{.Text}} <span class="id">({{.ID}})</span></li>
{{end}}</ul>
{{with $.Current}}{{if .First}}<p class="muted">This is the first canary of its chain on this site.</p>{{else if .Changes}}<p><strong>Changed since the previous canary:</strong></p>
<ul>{{range .Changes}}<li><span class="{{.Kind}}">{{.Kind}}</span>: {{.ID}}{{if .Old}} — was “{{.Old}}”{{end}}{{if .New}} — now “{{.New}}”{{end}}</li>{{end}}</ul>
{{else}}<p class="muted">All statements are unchanged since the previous canary.</p>{{end}}{{end}}
</section>

<section aria-labelledby="signers">
<h2 id="signers">Who signed it</h2>
<p>{{if gt .Threshold 1}}At least {{.Threshold}} of these keys must have signed it{{else}}Signed with OpenPGP by{{end}}:</p>
<ul>
{{range $.Keys}}<li>{{if .Name}}{{.Name}}<br>{{end}}<span class="fpr">{{groups .Fingerprint}}</span>{{if .File}} · <a href="{{.File}}">public key</a>{{end}}</li>
{{else}}<li>The canary names no signer keys; ask {{.Issuer.Name}} for them.</li>
{{end}}</ul>
<p>Check these fingerprints against ones you got another way (in person, from another site you trust): a key published beside a canary proves nothing on its own.</p>
</section>
{{end}}
<section aria-labelledby="check">
<h2 id="check">Check it yourself</h2>
<p>With GnuPG:</p>
<pre tabindex="0" aria-label="Commands to check the canary with GnuPG"><code>{{range .Keys}}{{if .File}}gpg --import {{.File}}
{{end}}{{end}}gpg --verify canary.txt</code></pre>
<p>With <a href="https://github.com/canarykit/canarykit" rel="noopener">canarykit</a>, which also checks the dates and the chain{{if .Offline}}, in a folder holding <a href="canary.txt">canary.txt</a> and the public key files above (under <code>keys/</code>), offline: each key file is pinned to its fingerprint{{end}}:</p>
<pre tabindex="0" aria-label="Command to check the canary with canarykit"><code>{{.Verify}}</code></pre>
{{with .Online}}<p>Or straight from this site, fetching the keys by fingerprint from keys.openpgp.org (if the signers put them there):</p>
<pre tabindex="0" aria-label="Command to check the canary online with canarykit"><code>{{.}}</code></pre>{{end}}
{{with .Current.Canary.Previous}}<p>Each canary names the one before it: <code>gpg --decrypt archive/NNNNNN.txt | sha256sum</code> of the previous canary equals its <code>Previous:</code> line ({{short .}}).</p>{{end}}
{{with .Current.Tokens}}<p>RFC 3161 timestamps prove when it was signed: {{range $i, $t := .}}{{if $i}}, {{end}}<a href="{{$t}}">{{$t}}</a>{{end}}.</p>{{end}}
</section>

<section aria-labelledby="signed">
<h2 id="signed">The signed canary</h2>
<p>Exactly as in <a href="canary.txt">canary.txt</a>, signatures included:</p>
<pre class="signed" tabindex="0" aria-label="The signed canary">{{.Signed}}</pre>
</section>

<nav aria-labelledby="files">
<h2 id="files">Files</h2>
<ul>
<li><a href="canary.txt">canary.txt</a> (signed)</li>
<li><a href="canary.json">canary.json</a> (parsed)</li>
<li><a href="feed.atom">feed.atom</a> (Atom feed of new canaries)</li>
<li><a href="archive/index.html">Archive of every canary</a> ({{len .Entries}})</li>
</ul>
</nav>
</main>
<footer>
<p>Page made on <time datetime="{{iso .Made}}">{{words .Made}}</time> by canarykit. It needs no JavaScript. Only the signed text counts; this page is a convenience.</p>
</footer>
</body>
</html>
`))
})

var archiveTemplate = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("archive").Funcs(funcs()).Parse(head + `<title>Archive of the warrant canaries of {{.Issuer.Name}}</title>
<link rel="alternate" type="application/atom+xml" title="New canaries of {{.Issuer.Name}}" href="../feed.atom">
<style>{{.CSS}}</style>
</head>
<body>
<header>
<p class="muted"><a href="../index.html">Current canary</a></p>
<h1>Archive of the warrant canaries of {{.Issuer.Name}}</h1>
</header>
<main>
<table>
<caption>{{len .Entries}} canaries, newest first</caption>
<thead><tr><th scope="col">Number</th><th scope="col">Issued</th><th scope="col">Valid until</th><th scope="col">Statements</th><th scope="col">Signed file</th></tr></thead>
<tbody>
{{range .Entries}}<tr>
<th scope="row">{{.Canary.Serial}}</th>
<td><time datetime="{{iso .Canary.Issued}}">{{words .Canary.Issued}}</time></td>
<td><time datetime="{{iso .Canary.Expires}}">{{words .Canary.Expires}}</time></td>
<td>{{len .Canary.Statements}}{{if .First}}{{else if .Changes}}; {{range $i, $c := .Changes}}{{if $i}}, {{end}}<span class="{{.Kind}}">{{.Kind}}</span> {{.ID}}{{end}}{{else}}; unchanged{{end}}</td>
<td><a href="{{fromArchive .File}}">{{.File}}</a>{{range .Tokens}} · <a href="{{fromArchive .}}">timestamp</a>{{end}}</td>
</tr>
{{end}}</tbody>
</table>
</main>
<footer>
<p>Made on <time datetime="{{iso .Made}}">{{words .Made}}</time> by canarykit.</p>
</footer>
</body>
</html>
`))
})
