package dashboard

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"html/template"
	"path"
	"sync"
	"time"

	"github.com/canarykit/canarykit/internal/verdict"
)

// css is the pages' only style, inline and named by its hash in the
// Content-Security-Policy, as on the publisher's page: nothing is fetched,
// and text injected into a canary could neither style nor script the page.
// The timeline is styled from here too, so that it follows the reader's
// light or dark preference.
const css = `
:root { color-scheme: light dark; --fg: #1b1b1b; --bg: #fdfdfc; --muted: #4a4a4a; --line: #c8c8c8; --code: #f0f0ee;
  --ok: #0b5d1e; --okfill: #bfe3c8; --warning: #7a4a00; --critical: #a10f0f; --badfill: #f6d0d0; --unknown: #44446a; }
@media (prefers-color-scheme: dark) { :root { --fg: #ececec; --bg: #161616; --muted: #c0c0c0; --line: #555; --code: #242424;
  --ok: #8fd19e; --okfill: #24502f; --warning: #f3c969; --critical: #ff9d9d; --badfill: #5a2020; --unknown: #c7c7e0; } }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 1rem/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
header, main, footer { max-width: 64rem; margin: 0 auto; padding: 0 1.25rem; }
header { padding-top: 1.25rem; }
h1 { font-size: 1.7rem; line-height: 1.25; margin: 0.4rem 0; overflow-wrap: anywhere; }
h2 { font-size: 1.25rem; margin: 2rem 0 0.5rem; border-bottom: 1px solid var(--line); padding-bottom: 0.2rem; }
a { color: inherit; text-decoration-thickness: 1px; text-underline-offset: 2px; }
a:focus-visible, pre:focus-visible, .scroll:focus-visible { outline: 3px solid #1a5fb4; outline-offset: 2px; }
.skip { position: absolute; left: -999rem; }
.skip:focus { left: 1rem; top: 1rem; background: var(--bg); padding: 0.3rem; }
.muted, .id { color: var(--muted); font-size: 0.9rem; }
.st { font-weight: 700; white-space: nowrap; border-left: 0.35rem solid; padding-left: 0.35rem; }
.st.ok { color: var(--ok); } .st.warning { color: var(--warning); } .st.critical { color: var(--critical); } .st.unknown { color: var(--unknown); }
.notice { border-left: 0.35rem solid var(--critical); padding: 0.3rem 0.8rem; }
table { border-collapse: collapse; width: 100%; }
caption { text-align: left; font-weight: 600; padding: 0.3rem 0; }
th, td { text-align: left; padding: 0.3rem 0.5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
td.msg { overflow-wrap: anywhere; }
th[scope=row] { white-space: nowrap; }
.scroll { overflow-x: auto; }
time { white-space: nowrap; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1rem; }
dt { font-weight: 600; } dd { margin: 0; overflow-wrap: anywhere; }
ul.statements li { margin: 0.4rem 0; }
ul.why { margin: 0; padding-left: 1.1rem; } ul.why li { overflow-wrap: anywhere; }
code, pre, .fp { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 0.9rem; }
.fp { overflow-wrap: anywhere; }
pre { background: var(--code); padding: 0.8rem; border: 1px solid var(--line); white-space: pre-wrap; overflow-wrap: anywhere; }
figure { margin: 1rem 0; }
.timeline { display: block; width: 100%; height: auto; }
.timeline text { font-family: system-ui, sans-serif; fill: var(--fg); }
.timeline .axis, .timeline .asof { fill: var(--muted); }
.timeline .asof { font-weight: 600; }
.timeline .plot { fill: none; stroke: var(--line); }
.timeline .tick { stroke: var(--line); stroke-dasharray: 2 3; }
.timeline .now { stroke: var(--fg); stroke-width: 1.5; }
.timeline .bar { fill: var(--okfill); stroke: var(--ok); }
.timeline .bar.open { stroke-dasharray: 4 2; }
.timeline .bar.bad { fill: var(--badfill); stroke: var(--critical); }
.timeline .bar.ahead { opacity: 0.4; }
.timeline .future { fill: var(--bg); opacity: 0.6; pointer-events: none; }
.timeline .lapse { fill: var(--critical); }
.timeline .lapse.expired { fill: url(#timeline-hatch); stroke: var(--critical); stroke-width: 1.5; }
.timeline .hatch { fill: var(--critical); }
.timeline .ev path, .timeline .ev circle, .timeline .ev rect { stroke: var(--bg); stroke-width: 1; }
.timeline .ev.critical { fill: var(--critical); } .timeline .ev.warning { fill: var(--warning); }
.timeline .ev.unknown { fill: var(--unknown); } .timeline .ev.ok { fill: var(--ok); }
footer { margin-top: 2.5rem; padding-bottom: 2rem; color: var(--muted); font-size: 0.9rem; }
`

// csp is the pages' Content-Security-Policy. It, the templates and the
// paths of serve.go are made on first use, not at package init: every
// canary process links this package, and most never render a page.
var csp = sync.OnceValue(func() string {
	sum := sha256.Sum256([]byte(css))
	return "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) +
		"'; img-src 'none'; base-uri 'none'; form-action 'none'"
})

func newCommon(at time.Time) common {
	return common{At: at.UTC(), CSS: template.CSS(css), CSP: csp()}
}

// trusted marks the timeline as HTML: it is made by timeline, which
// escapes every piece of text it puts in.
func trusted(svg string) template.HTML { return template.HTML(svg) }

func render(t *template.Template, data any) []byte {
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		// The templates are constants: an error is a bug, and a half page
		// must not be served as a whole one.
		panic(err)
	}
	return b.Bytes()
}

// funcs are the templates' functions, made for each template parsed.
// Every piece of text that comes from a canary, a key or a fetched page
// (names, summaries, statements, the signed text, signers, messages) goes
// through display or lines, verdict.Display: html/template escapes markup,
// but would write a direction override, a terminal escape or a byte that
// is not UTF-8 as it is.
func funcs() template.FuncMap {
	return template.FuncMap{
		"iso":       func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"stamp":     stamp,
		"minute":    func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04") },
		"human":     human,
		"class":     statusClass,
		"status":    func(s verdict.Status) string { return s.String() },
		"base":      path.Base,
		"authentic": authentic,
		"display":   verdict.Display,
		"lines":     verdict.DisplayLines,
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

// when is a date, or a dash; cell is one in a table, whose caption says
// that times are in UTC; reason is an event that explains a status, in
// plain words when its type has them, else by its message.
const defs = `{{define "when"}}{{if .IsZero}}<span aria-label="none">–</span>{{else}}<time datetime="{{iso .}}">{{stamp .}}</time>{{end}}{{end}}` +
	`{{define "reason"}}{{if .Words}}{{.Words}}{{else}}{{display .Message}}{{end}}{{end}}` +
	`{{define "cell"}}{{if .IsZero}}<span aria-label="none">–</span>{{else}}<time datetime="{{iso .}}">{{minute .}}</time>{{end}}{{end}}`

var indexTemplate = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("index").Funcs(funcs()).Parse(defs + head + `<title>Canary watch: {{len .Active}} watched canaries</title>
<style>{{.CSS}}</style>
</head>
<body>
<a class="skip" href="#targets">Skip to the targets</a>
<header>
<p class="muted">canary watch</p>
<h1>Watched warrant canaries</h1>
<p>As of <time datetime="{{iso .At}}">{{stamp .At}}</time>:
{{range $i, $c := .Counts}}{{if $i}}, {{end}}<span class="st {{.Class}}">{{.N}} {{.Label}}</span>{{end}}.</p>
</header>
<main>
<section aria-labelledby="targets">
<h2 id="targets">Targets</h2>
<div class="scroll" tabindex="0" role="region" aria-label="Watched canaries"><table>
<caption>{{len .Active}} watched canaries, the worst status first (times in UTC)</caption>
<thead><tr><th scope="col">Target</th><th scope="col">Status</th><th scope="col">Issued</th><th scope="col">Expires</th><th scope="col">Last change</th><th scope="col">Last check</th></tr></thead>
<tbody>
{{range .Active}}<tr>
<th scope="row"><a href="{{.Page}}">{{display .Name}}</a></th>
<td><span class="st {{.Class}}">{{.Label}}</span></td>
<td>{{with .Current}}{{template "cell" .Issued}}{{else}}–{{end}}</td>
<td>{{with .Current}}{{template "cell" .Expires}}{{else}}–{{end}}</td>
<td>{{template "cell" .LastChange}}</td>
<td>{{template "cell" .LastCheck}}</td>
</tr>
{{else}}<tr><td colspan="6">No target has been watched yet.</td></tr>
{{end}}</tbody>
</table></div>
{{if .Soft}}<p class="muted">UNKNOWN? marks a target whose last check failed, not yet often or long enough to be reported as unreachable: a site that is down is not a dead canary.</p>{{end}}
</section>
{{with .Look}}
<section aria-labelledby="look">
<h2 id="look">Needs a look</h2>
<ul>
{{range .}}<li><a href="{{.Page}}">{{display .Name}}</a> <span class="st {{.Class}}">{{.Label}}</span>: {{display .Summary}}</li>
{{end}}</ul>
</section>
{{end}}
{{with .Retired}}
<section aria-labelledby="retired">
<h2 id="retired">Retired targets</h2>
<div class="scroll" tabindex="0" role="region" aria-label="Retired targets"><table>
<caption>Targets no longer watched at their old location; their history is kept (times in UTC)</caption>
<thead><tr><th scope="col">Target</th><th scope="col">Location</th><th scope="col">Retired</th></tr></thead>
<tbody>
{{range .}}<tr><th scope="row"><a href="{{.Page}}">{{display .Name}}</a></th><td class="msg">{{display .Location}}</td><td>{{template "cell" .Retired}}</td></tr>
{{end}}</tbody>
</table></div>
</section>
{{end}}
</main>
<footer>
<p>Made by canary watch on <time datetime="{{iso .At}}">{{stamp .At}}</time>. No JavaScript, nothing fetched. Only a canary's signed text counts; check the archived files with gpg.</p>
</footer>
</body>
</html>
`))
})

var targetTemplate = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("target").Funcs(funcs()).Parse(defs + head + `<title>{{display .Name}}: {{.Label}} (canary watch)</title>
<style>{{.CSS}}</style>
</head>
<body>
<a class="skip" href="#timeline">Skip to the timeline</a>
<header>
<p class="muted"><a href="../index.html">All watched canaries</a></p>
<h1>{{display .Name}}</h1>
<p><span class="st {{.Class}}">{{.Label}}</span>{{with .Summary}}: {{display .}}{{end}}</p>
</header>
<main>
<section aria-labelledby="state">
<h2 id="state">State</h2>
<dl>
<dt>Location</dt><dd>{{if .Link}}<a href="{{.Link}}" rel="noopener noreferrer">{{display .Location}}</a>{{else}}{{display .Location}}{{end}}</dd>
<dt>Status</dt><dd><span class="st {{.Class}}">{{.Label}}</span>{{if .Soft}} (reported: {{status .Status}}; {{.Failures}} failed check(s) in a row){{end}}</dd>
{{with .Why}}<dt>Why CRITICAL</dt><dd><ul class="why">{{range .}}<li>{{template "reason" .}} (<time datetime="{{iso .At}}">{{stamp .At}}</time>){{if .Words}}{{with .Message}}: {{display .}}{{end}}{{end}}</li>
{{end}}</ul></dd>{{end}}
<dt>Last check</dt><dd>{{template "when" .LastCheck}}</dd>
<dt>Last change</dt><dd>{{template "when" .LastChange}}</dd>
<dt>Watched since</dt><dd>{{template "when" .Created}}</dd>
{{if not .Retired.IsZero}}<dt>Retired</dt><dd>{{template "when" .Retired}}</dd>{{end}}
<dt>Identity</dt><dd class="fp">{{.ID}}</dd>
</dl>
</section>

<section aria-labelledby="current">
<h2 id="current">The canary served now</h2>
{{with .Current}}
{{if not (authentic .)}}<p class="notice"><strong>This canary has no good signature by the keys of the watch list</strong>: it is not known to come from the publisher. Its text is shown as it was served.</p>
{{else if not .Good}}<p class="notice"><strong>This canary was {{status .Status}} when first seen</strong> and was not accepted since: {{with $.FirstWhy}}{{range $i, $r := .}}{{if $i}}; {{end}}{{template "reason" $r}}{{end}}.{{else}}see the events below.{{end}}</p>{{end}}
<dl>
<dt>Canary</dt><dd>{{if eq .Kind "canarykit"}}serial {{.Serial}}{{else}}{{display .Kind}}{{end}}, <a href="{{$.CurrentFile}}">file {{printf "%06d" $.CurrentN}}.txt</a></dd>
{{with $.Issuer}}<dt>Issuer</dt><dd>{{display .}}</dd>{{end}}
<dt>Issued</dt><dd>{{template "when" .Issued}}</dd>
<dt>Valid until</dt><dd>{{if .Expires.IsZero}}no expiry stated{{else}}{{template "when" .Expires}}{{end}}</dd>
<dt>First seen</dt><dd>{{template "when" .FirstSeen}} ({{status .Status}})</dd>
<dt>Last seen</dt><dd>{{template "when" .LastSeen}}</dd>
<dt>Signed by</dt><dd class="fp">{{range $i, $s := .Signers}}{{if $i}}, {{end}}{{display $s}}{{else}}no good signature{{end}}</dd>
</dl>
{{if $.Statements}}<p>{{with $.Issuer}}{{display .}}{{else}}The publisher{{end}} states:</p>
<ul class="statements">
{{range $.Statements}}<li>{{display .Text}} <span class="id">({{display .ID}})</span></li>
{{end}}</ul>
{{else if $.Text}}<p>The signed text:</p>
<pre tabindex="0" aria-label="The signed text of the canary">{{lines $.Text}}</pre>
{{else}}<p>The canary's text could not be read.</p>{{end}}
{{else}}<p>No canary has been read from this target yet.</p>{{end}}
</section>

<section aria-labelledby="timeline">
<h2 id="timeline">Timeline</h2>
<figure>
{{.Timeline}}
<figcaption class="muted">Each bar is a canary, from its issue to its expiry; the line marks now, and the time to come, up to the current canary's expiry, is pale. Solid red marks a lapse (a canary ran out before the next one came), red stripes an expiry not renewed (no valid canary now). Hover a mark for its details; the tables below give the same data.</figcaption>
</figure>
</section>

<section aria-labelledby="canaries">
<h2 id="canaries">Canaries</h2>
<div class="scroll" tabindex="0" role="region" aria-label="Canaries stored"><table>
<caption>{{if .MoreRows}}The {{len .Canaries}} newest of {{.Total}}{{else}}{{len .Canaries}}{{end}} canaries stored, newest first (times in UTC)</caption>
<thead><tr><th scope="col">File</th><th scope="col">Issued</th><th scope="col">Valid until</th><th scope="col">First seen</th><th scope="col">When first seen</th><th scope="col">Signatures and timestamps</th></tr></thead>
<tbody>
{{range .Canaries}}<tr>
<th scope="row"><a href="{{.File}}">{{printf "%06d" .N}}.txt</a></th>
<td>{{template "cell" .C.Issued}}</td>
<td>{{if .C.Expires.IsZero}}none stated{{else}}{{template "cell" .C.Expires}}{{end}}</td>
<td>{{template "cell" .C.FirstSeen}}</td>
<td><span class="st {{class .C.Status}}">{{status .C.Status}}</span>{{if and .C.Good (ne (status .C.Status) "OK") (ne (status .C.Status) "WARNING")}} (accepted){{end}}</td>
<td>{{range $i, $f := .Others}}{{if $i}}, {{end}}<a href="{{$f}}">{{base $f}}</a>{{else}}–{{end}}</td>
</tr>
{{else}}<tr><td colspan="6">None yet.</td></tr>
{{end}}</tbody>
</table></div>
{{if .MoreRows}}<p class="muted">{{.MoreRows}} older canaries are in the same directory of the archive, from 000001.txt on.</p>{{end}}
<p>To check one without canarykit: <code>gpg --verify FILE</code>, or <code>gpg --verify FILE.sig FILE</code> for a detached signature.</p>
</section>

<section aria-labelledby="lapses">
<h2 id="lapses">Lapses</h2>
{{if .Lapses}}<div class="scroll" tabindex="0" role="region" aria-label="Lapses"><table>
<caption>Times when no valid canary was published, newest first (times in UTC){{if .MoreLapses}}; {{.MoreLapses}} older ones are not listed{{end}}</caption>
<thead><tr><th scope="col">From</th><th scope="col">To</th><th scope="col">Length</th></tr></thead>
<tbody>
{{range .Lapses}}<tr><td>{{template "cell" .From}}</td><td>{{if .Open}}now: expired, not renewed{{else}}{{template "cell" .To}}{{end}}</td><td>{{human .Duration}}</td></tr>
{{end}}</tbody>
</table></div>{{else}}<p>None: a valid canary was published all along.</p>{{end}}
</section>

<section aria-labelledby="events">
<h2 id="events">Events</h2>
{{if .Events}}<div class="scroll" tabindex="0" role="region" aria-label="Events"><table>
<caption>What happened, newest first (times in UTC){{if .MoreEvents}}; {{.MoreEvents}} older events are not listed (canary history lists them){{end}}</caption>
<thead><tr><th scope="col">When</th><th scope="col">Status</th><th scope="col">Event</th><th scope="col">What</th></tr></thead>
<tbody>
{{range .Events}}<tr><td>{{template "cell" .At}}</td><td><span class="st {{class .Status}}">{{status .Status}}</span></td><td>{{display .Type}}</td><td class="msg">{{display .Message}}</td></tr>
{{end}}</tbody>
</table></div>{{else}}<p>No events yet.</p>{{end}}
</section>
</main>
<footer>
<p>Made by canary watch on <time datetime="{{iso .At}}">{{stamp .At}}</time>. No JavaScript, nothing fetched. Only a canary's signed text counts: check the files above with gpg.</p>
</footer>
</body>
</html>
`))
})
