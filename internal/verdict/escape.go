package verdict

import (
	"encoding/binary"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// This file is the one rule for text that comes from a canary, a key, a
// fetched page, a file name or a watch list, wherever it is shown
// (docs/SECURITY.md, "What reaches the terminal"): Display for one
// string, Writer for everything a text command prints, JSONWriter and
// EscapeJSON for what a JSON output prints.

// Invisible reports whether r is a character that changes how the text
// around it is displayed without being seen itself: bidirectional
// controls, which reorder what follows them, and zero-width characters,
// which make two texts that look the same differ.
func Invisible(r rune) (name string, ok bool) {
	switch {
	case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069, r == 0x200E, r == 0x200F, r == 0x061C:
		return "a bidirectional control", true
	case r >= 0x200B && r <= 0x200D, r == 0x2060, r == 0xFEFF, r == 0x00AD, r == 0x180E, r == 0x034F,
		r >= 0x2061 && r <= 0x2064, r >= 0xE0000 && r <= 0xE007F, r == 0x115F, r == 0x1160, r == 0x3164, r == 0xFFA0:
		return "an invisible character", true
	}
	return "", false
}

// HiddenCharacters describes the invisible characters of s, or "".
func HiddenCharacters(s string) string {
	if isASCII(s) {
		return "" // every invisible character is outside ASCII
	}
	var found []string
	for i, r := range s {
		if name, ok := Invisible(r); ok {
			if len(found) == 3 {
				found = append(found, "…")
				break
			}
			found = append(found, fmt.Sprintf("%s %U at character %d", name, r, utf8.RuneCountInString(s[:i])+1))
		}
	}
	return strings.Join(found, ", ")
}

// NeedsEscape reports whether r is shown as an escape: a control
// character but tab (C0, DEL, C1), a line or paragraph separator, an
// invisible or direction-changing character, another format character,
// or U+FFFD as a decoder returns for a byte that is not UTF-8.
func NeedsEscape(r rune) bool {
	if r == '\t' {
		return false
	}
	if r == utf8.RuneError || r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0x2028 || r == 0x2029 {
		return true
	}
	if _, ok := Invisible(r); ok {
		return true
	}
	return unicode.Is(unicode.Cf, r) // other format characters
}

// Display makes s safe to show to a person, visibly: control characters,
// invisible and direction-changing characters, and bytes that are not
// UTF-8 are written as escapes (\x1b, \u202E, \xff); everything else as
// it is, tabs included, so nothing is dropped. A line break is escaped
// too: show a text of many lines a line at a time, or through Writer.
func Display(s string) string { return display(s, false) }

// DisplayLines is Display with line breaks (\n) kept: for a text of many
// lines shown or written as a whole, a page or a feed made of quoted text.
// It writes what Writer writes.
func DisplayLines(s string) string { return display(s, true) }

// display is Display; with lines, newlines are kept as they are.
func display(s string, lines bool) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 && c != '\t' && !(lines && c == '\n') || c == 0x7f {
			clean = false
			break
		}
	}
	if clean && !isASCII(s) {
		for _, r := range s {
			if NeedsEscape(r) {
				clean = false
				break
			}
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case lines && r == '\n':
			b.WriteByte('\n')
		case NeedsEscape(r) && r < 0x80:
			fmt.Fprintf(&b, `\x%02x`, r)
		case NeedsEscape(r) && r <= 0xFFFF:
			fmt.Fprintf(&b, `\u%04X`, r)
		case NeedsEscape(r):
			fmt.Fprintf(&b, `\U%08X`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// Writer returns a writer that writes to w what it is given with every
// character Display escapes written as that escape, but newlines, which
// are kept: a text command prints through it, so that no text it quotes
// reaches the terminal raw. Give each Write whole lines or whole strings
// (fmt.Fprintf, a strings.Builder's text): a character split across two
// Writes is written as the escapes of its bytes, never raw. It writes no
// colour: a caller that colours writes those escapes to w itself.
func Writer(w io.Writer) io.Writer { return &writer{w: w} }

type writer struct{ w io.Writer }

func (e *writer) Write(p []byte) (int, error) {
	s := display(string(p), true)
	if _, err := io.WriteString(e.w, s); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Fprintf formats as fmt.Fprintf does and writes the result through
// Writer(w).
func Fprintf(w io.Writer, format string, a ...any) (int, error) {
	return fmt.Fprint(Writer(w), fmt.Sprintf(format, a...))
}

// JSONWriter returns a writer that writes JSON text to w with every
// character above ASCII that Display escapes written as a \u escape (the
// same string to a JSON reader, but not reordered, hidden or read as a
// control when the JSON is shown in a terminal). encoding/json escapes
// the ASCII controls itself. Give it whole JSON values, as json.Encoder
// writes them.
func JSONWriter(w io.Writer) io.Writer { return &jsonWriter{w: w} }

type jsonWriter struct{ w io.Writer }

func (j *jsonWriter) Write(p []byte) (int, error) {
	if _, err := j.w.Write(EscapeJSON(p)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// EscapeJSON rewrites the characters of JSON text that NeedsEscape above
// ASCII as \u escapes. Outside strings JSON is ASCII, so every such
// character is inside a string, where the escape means the same
// character. A byte that is not UTF-8 (json.Marshal writes none) is
// written as U+FFFD's escape.
func EscapeJSON(js []byte) []byte {
	if isASCIIBytes(js) {
		return js
	}
	out := make([]byte, 0, len(js)+64)
	for i := 0; i < len(js); {
		r, size := utf8.DecodeRune(js[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			out = append(out, `\ufffd`...)
		case r >= 0x80 && NeedsEscape(r):
			if r > 0xFFFF {
				r1, r2 := utf16.EncodeRune(r)
				out = fmt.Appendf(out, `\u%04x\u%04x`, r1, r2)
			} else {
				out = fmt.Appendf(out, `\u%04x`, r)
			}
		default:
			out = append(out, js[i:i+size]...)
		}
		i += size
	}
	return out
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// isASCIIBytes reports whether b is all ASCII, eight bytes at a time: it
// runs over every verdict written.
func isASCIIBytes(b []byte) bool {
	for len(b) >= 8 {
		if binary.LittleEndian.Uint64(b)&0x8080808080808080 != 0 {
			return false
		}
		b = b[8:]
	}
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// Raw finds the first character of s that output must never hold as it
// is, because it can drive or reorder a terminal or a page: ESC or another
// C0 control but newline and tab, DEL, a C1 control (U+0080-U+009F), a
// bidirectional override or isolate (U+202A-U+202E, U+2066-U+2069), or a
// byte that is not UTF-8. It returns the byte offset and what was found,
// or -1 and "". Tests of every output path use it, so that what counts as
// hostile is written once, beside the rule that escapes it.
func Raw(s string) (at int, what string) {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			return i, fmt.Sprintf("the byte %#02x, not UTF-8", s[i])
		case r < 0x20 && r != '\n' && r != '\t', r == 0x7f:
			return i, fmt.Sprintf("the control %U", r)
		case r >= 0x80 && r <= 0x9f:
			return i, fmt.Sprintf("the C1 control %U", r)
		case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
			return i, fmt.Sprintf("the bidirectional control %U", r)
		}
		i += size
	}
	return -1, ""
}
