package watch

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/canarykit/canarykit/internal/schema"
)

// maxBulkBytes bounds a targets_file: about two million targets.
const maxBulkBytes = 256 << 20

// bulkTarget is one line of a targets_file, as written: paths are still
// relative to the file, keys still as given.
type bulkTarget struct {
	Name, URL, File string
	Keys            []string
	line            int
}

var bulkFields = []string{"name", "url", "file", "keys"}

// The patterns of a target's fields, taken from the watch-list schema so
// that a bulk list and a YAML list accept the same targets.
var bulkPatterns struct {
	once            sync.Once
	name, url, line *regexp.Regexp
}

func patterns() {
	bulkPatterns.once.Do(func() {
		var doc struct {
			Defs map[string]struct {
				Pattern    string                              `json:"pattern"`
				Properties map[string]struct{ Pattern string } `json:"properties"`
			} `json:"$defs"`
		}
		if err := json.Unmarshal(schema.JSON(schema.Watch), &doc); err != nil {
			panic(err)
		}
		bulkPatterns.name = regexp.MustCompile(doc.Defs["target"].Properties["name"].Pattern)
		bulkPatterns.url = regexp.MustCompile(doc.Defs["serviceURL"].Pattern)
		bulkPatterns.line = regexp.MustCompile(doc.Defs["keySpec"].Pattern)
	})
}

func validName(s string) bool { patterns(); return bulkPatterns.name.MatchString(s) }
func validURL(s string) bool  { patterns(); return len(s) <= 2000 && bulkPatterns.url.MatchString(s) }
func validPath(s string) bool {
	patterns()
	return s != "" && len(s) <= 4096 && utf8.ValidString(s) && bulkPatterns.line.MatchString(s)
}

// parseBulk reads a targets_file named name: JSON Lines (.jsonl, .ndjson)
// or CSV (.csv), by its extension. Errors are "NAME:LINE:COL: ...".
func parseBulk(name string, data []byte) ([]bulkTarget, error) {
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	var out []bulkTarget
	var err error
	switch strings.ToLower(filepath.Ext(name)) {
	case ".jsonl", ".ndjson":
		out, err = parseJSONL(name, data)
	case ".csv":
		out, err = parseCSV(name, data)
	default:
		return nil, fmt.Errorf("%s: a targets_file is JSON Lines (.jsonl, .ndjson) or CSV (.csv), named so; see docs/WATCH.md", name)
	}
	if err == nil && len(out) == 0 {
		err = fmt.Errorf("%s: no targets: the file has no target lines", name)
	}
	return out, err
}

type bulkError struct {
	file      string
	line, col int
	msg       string
}

func (e *bulkError) Error() string { return fmt.Sprintf("%s:%d:%d: %s", e.file, e.line, e.col, e.msg) }

// check checks one target; cols gives the column of each field.
func (b *bulkTarget) check(file string, cols [4]int) error {
	bad := func(i int, format string, a ...any) error {
		return &bulkError{file, b.line, max(cols[i], 1), fmt.Sprintf(format, a...)}
	}
	if !validName(b.Name) {
		return bad(0, "name %q: use 1 to 64 letters, digits, '.', '-' and '_', starting with a letter or digit, e.g. example-org", b.Name)
	}
	if b.URL != "" && !validURL(b.URL) {
		return bad(1, "url %q: must start with https:// (or http://), contain no spaces and be at most 2000 characters", b.URL)
	}
	if b.File != "" && !validPath(b.File) {
		return bad(2, "file %q: one line of at most 4096 characters", b.File)
	}
	if b.URL != "" && b.File != "" {
		return bad(0, "%s: give either url or file, not both", b.Name)
	}
	if b.URL == "" && b.File == "" {
		return bad(0, "%s: give either url or file", b.Name)
	}
	if len(b.Keys) > 20 {
		return bad(3, "keys: %d keys; give at most 20", len(b.Keys))
	}
	for _, k := range b.Keys {
		if k == "" {
			return bad(3, "keys: an empty key; separate key files, wkd:, vks: and fingerprints with ';'")
		}
		if !validPath(k) {
			return bad(3, "keys: %q is not one line: give a key file, wkd:user@domain, vks:FINGERPRINT or a fingerprint", k)
		}
	}
	return nil
}

// splitKeys splits a CSV keys field at ';'.
func splitKeys(s string) []string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	ks := strings.Split(s, ";")
	for i := range ks {
		ks[i] = strings.TrimSpace(ks[i])
	}
	return ks
}

func parseCSV(name string, data []byte) ([]bulkTarget, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.ReuseRecord = true
	posErr := func(err error) error {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return &bulkError{name, pe.Line, max(pe.Column, 1), pe.Err.Error()}
		}
		return fmt.Errorf("%s: %v", name, err)
	}
	header, err := r.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("%s: empty; the first line names the columns: name,url,file,keys", name)
	}
	if err != nil {
		return nil, posErr(err)
	}
	idx := [4]int{-1, -1, -1, -1}
	for i, h := range header {
		line, col := r.FieldPos(i)
		j := indexOf(bulkFields, strings.ToLower(strings.TrimSpace(h)))
		if j < 0 {
			return nil, &bulkError{name, line, col, fmt.Sprintf("unknown column %q (allowed: %s); the first line names the columns", h, strings.Join(bulkFields, ", "))}
		}
		if idx[j] >= 0 {
			return nil, &bulkError{name, line, col, fmt.Sprintf("column %q given twice", h)}
		}
		idx[j] = i
	}
	if idx[0] < 0 {
		return nil, &bulkError{name, 1, 1, `no "name" column; the first line names the columns: name,url,file,keys`}
	}
	var out []bulkTarget
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, posErr(err)
		}
		var b bulkTarget
		var cols [4]int
		for j, i := range idx {
			if i < 0 {
				continue
			}
			v := strings.TrimSpace(rec[i])
			b.line, cols[j] = r.FieldPos(i)
			switch j {
			case 0:
				b.Name = v
			case 1:
				b.URL = v
			case 2:
				b.File = v
			case 3:
				b.Keys = splitKeys(v)
			}
		}
		b.line, _ = r.FieldPos(idx[0])
		if err := b.check(name, cols); err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

func parseJSONL(name string, data []byte) ([]bulkTarget, error) {
	var out []bulkTarget
	for n := 1; len(data) > 0; n++ {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		b, err := parseJSONLine(name, n, line)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

// parseJSONLine reads one object, noting where each field is.
func parseJSONLine(name string, n int, line []byte) (bulkTarget, error) {
	b := bulkTarget{line: n}
	at := func(off int64, format string, a ...any) error {
		// off is where the decoder stopped; the token begins after blanks,
		// commas and colons.
		i := int(off)
		for i < len(line) && strings.IndexByte(" \t,:", line[i]) >= 0 {
			i++
		}
		return &bulkError{name, n, i + 1, fmt.Sprintf(format, a...)}
	}
	synErr := func(err error, off int64) error {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return &bulkError{name, n, min(int(se.Offset)+1, len(line)+1), err.Error()}
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return &bulkError{name, n, len(line) + 1, "the object is not closed; one JSON object per line"}
		}
		return at(off, "%v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(line))
	tok, err := dec.Token()
	if err != nil {
		return b, synErr(err, 0)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return b, at(0, `want one JSON object per line, like {"name": "example-org", "url": "https://example.org/canary.txt"}`)
	}
	var cols [4]int
	for dec.More() {
		off := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return b, synErr(err, off)
		}
		key, _ := tok.(string)
		j := indexOf(bulkFields, key)
		if j < 0 {
			return b, at(off, "unknown field %q (allowed: %s)", key, strings.Join(bulkFields, ", "))
		}
		if cols[j] != 0 {
			return b, at(off, "field %q given twice", key)
		}
		cols[j] = at(off, "").(*bulkError).col
		voff := dec.InputOffset()
		var v any
		if err := dec.Decode(&v); err != nil {
			return b, synErr(err, voff)
		}
		s, isString := v.(string)
		switch {
		case j < 3 && !isString:
			return b, at(voff, "%s: want a string", key)
		case j == 0:
			b.Name = s
		case j == 1:
			b.URL = s
		case j == 2:
			b.File = s
		case isString:
			b.Keys = splitKeys(s)
		default:
			list, ok := v.([]any)
			if !ok {
				return b, at(voff, `keys: want a list of strings, like ["keys/example.asc"], or one string with ';' between keys`)
			}
			for _, k := range list {
				ks, ok := k.(string)
				if !ok {
					return b, at(voff, "keys: want a list of strings")
				}
				b.Keys = append(b.Keys, strings.TrimSpace(ks))
			}
		}
	}
	if _, err := dec.Token(); err != nil {
		return b, synErr(err, dec.InputOffset())
	}
	if rest := line[dec.InputOffset():]; len(bytes.TrimSpace(rest)) > 0 {
		return b, at(dec.InputOffset(), "more after the object: one JSON object per line")
	}
	b.Name, b.URL, b.File = strings.TrimSpace(b.Name), strings.TrimSpace(b.URL), strings.TrimSpace(b.File)
	return b, b.check(name, cols)
}
