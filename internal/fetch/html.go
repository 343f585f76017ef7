package fetch

import (
	"bytes"
	"mime"
	"net/http"

	"golang.org/x/net/html"
)

var (
	beginSigned  = []byte("-----BEGIN PGP SIGNED MESSAGE-----")
	endSignature = []byte("-----END PGP SIGNATURE-----")
)

// IsHTML tells a web page from a canary text. A body that starts with a
// clearsigned block is a text whatever the server calls it: reading it as
// HTML would decode its entities and break its signatures. Otherwise the
// Content-Type decides, and the body itself when there is none.
func IsHTML(contentType string, body []byte) bool {
	if bytes.HasPrefix(bytes.TrimLeft(bytes.TrimPrefix(body, []byte("\uFEFF")), " \t\r\n"), beginSigned) {
		return false
	}
	if contentType == "" {
		contentType = http.DetectContentType(body)
	}
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "text/html" || mt == "application/xhtml+xml")
}

// ExtractBlocks returns each clearsigned block on an HTML page, in page
// order, as a text that clearsign decoding reads: LF line endings and a
// final LF. It reads the page as a browser shows it: entities decoded,
// whitespace kept inside <pre> and <code> and collapsed elsewhere, <br> and
// block elements as line breaks, scripts, styles and comments left out. A
// block is cut at its END PGP SIGNATURE line, so the unsigned text around it
// is never part of it; a block that never ends is returned as it is, for
// the verifier to call damaged.
func ExtractBlocks(page []byte) [][]byte {
	return findBlocks(pageText(page))
}

// breakAround is the number of line breaks a browser puts around an
// element's content: 2 for a paragraph, 1 for other blocks.
var breakAround = map[string]int{
	"p": 2, "address": 1, "article": 1, "aside": 1, "blockquote": 1, "body": 1, "caption": 1,
	"dd": 1, "details": 1, "dialog": 1, "div": 1, "dl": 1, "dt": 1, "fieldset": 1,
	"figcaption": 1, "figure": 1, "footer": 1, "form": 1, "h1": 1, "h2": 1, "h3": 1,
	"h4": 1, "h5": 1, "h6": 1, "header": 1, "hgroup": 1, "hr": 1, "li": 1, "listing": 1,
	"main": 1, "nav": 1, "ol": 1, "pre": 1, "section": 1, "summary": 1, "table": 1,
	"tbody": 1, "td": 1, "textarea": 1, "tfoot": 1, "th": 1, "thead": 1, "tr": 1, "ul": 1,
	"xmp": 1, "plaintext": 1,
}

// preserving elements keep their whitespace, as the canary's lines need.
// <code> does not in a browser's default style, but every site that shows
// code styles it so.
var preserving = map[string]bool{"pre": true, "code": true, "textarea": true, "listing": true, "xmp": true, "plaintext": true}

// hidden elements hold no text a reader sees.
// (Not <head>: its end tag may be left out, and the page would vanish.)
var hidden = map[string]bool{"script": true, "style": true, "template": true, "title": true, "noscript": true, "iframe": true, "noembed": true, "noframes": true}

// textWriter renders text the way a browser lays it out, line by line.
type textWriter struct {
	out       []byte
	space     bool // a collapsed blank is pending
	breaks    int  // line breaks required before the next text
	preserve  int  // depth inside whitespace-keeping elements
	hide      int  // depth inside hidden elements
	dropFirst bool // drop one newline right after <pre> (HTML parsing rule)
}

func (w *textWriter) atLineStart() bool {
	return len(w.out) == 0 || w.out[len(w.out)-1] == '\n'
}

// flushBreaks writes the required line breaks, counting those already
// written, so that nested blocks do not pile up blank lines.
func (w *textWriter) flushBreaks() {
	if w.breaks == 0 || len(w.out) == 0 {
		w.breaks = 0
		return
	}
	have := 0
	for i := len(w.out) - 1; i >= 0 && w.out[i] == '\n' && have < w.breaks; i-- {
		have++
	}
	for ; have < w.breaks; have++ {
		w.out = append(w.out, '\n')
	}
	w.breaks = 0
	w.space = false
}

func (w *textWriter) block(n int) {
	w.breaks = max(w.breaks, n)
	w.space = false
}

func (w *textWriter) lineBreak() {
	w.flushBreaks()
	w.out = append(w.out, '\n')
	w.space = false
}

func (w *textWriter) text(t []byte) {
	if w.hide > 0 {
		return
	}
	if w.dropFirst {
		w.dropFirst = false
		t = bytes.TrimPrefix(t, []byte("\n"))
	}
	if w.preserve > 0 {
		if len(t) == 0 {
			return
		}
		w.flushBreaks()
		if w.space && !w.atLineStart() {
			w.out = append(w.out, ' ')
		}
		w.space = false
		w.out = append(w.out, t...)
		return
	}
	for _, c := range t {
		switch c {
		case ' ', '\t', '\n', '\r', '\f':
			w.space = true
			continue
		}
		w.flushBreaks()
		if w.space && !w.atLineStart() {
			w.out = append(w.out, ' ')
		}
		w.space = false
		w.out = append(w.out, c)
	}
}

func pageText(page []byte) []byte {
	w := &textWriter{}
	z := html.NewTokenizer(bytes.NewReader(page))
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return w.out
		case html.TextToken:
			w.text(z.Text())
			continue
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
		default:
			continue // comments, doctypes
		}
		name, _ := z.TagName()
		tag := string(name)
		w.dropFirst = false
		if tag == "br" {
			// </br> is a <br> to browsers too.
			if w.hide == 0 {
				w.lineBreak()
			}
			continue
		}
		// HTML ignores "/>" on elements that are not void: <script/> opens
		// a script like <script> does.
		start := tt != html.EndTagToken
		if hidden[tag] {
			if start {
				w.hide++
			} else {
				w.hide = max(w.hide-1, 0)
			}
			continue
		}
		if n := breakAround[tag]; n > 0 {
			w.block(n)
		}
		if preserving[tag] {
			if start {
				w.preserve++
				w.dropFirst = tag != "code"
			} else {
				w.preserve = max(w.preserve-1, 0)
			}
		}
	}
}

// findBlocks cuts the clearsigned blocks out of a page's text.
func findBlocks(text []byte) [][]byte {
	var blocks [][]byte
	var cur []byte
	in := false
	for len(text) > 0 {
		line := text
		if i := bytes.IndexByte(text, '\n'); i >= 0 {
			line, text = text[:i], text[i+1:]
		} else {
			text = nil
		}
		line = bytes.TrimRight(line, " \t\r\u00a0")
		switch {
		case bytes.Equal(line, beginSigned):
			if in {
				blocks = append(blocks, cur) // cut short by the next block
			}
			in = true
			cur = append([]byte(nil), line...)
			cur = append(cur, '\n')
		case in:
			cur = append(cur, line...)
			cur = append(cur, '\n')
			if bytes.Equal(line, endSignature) {
				blocks = append(blocks, cur)
				in = false
			}
		}
	}
	if in {
		blocks = append(blocks, cur)
	}
	return blocks
}
