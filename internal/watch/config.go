package watch

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/canarykit/canarykit/canary"
	"github.com/canarykit/canarykit/internal/duration"
	"github.com/canarykit/canarykit/internal/fetch"
	"github.com/canarykit/canarykit/internal/keys"
	"github.com/canarykit/canarykit/internal/redact"
	"github.com/canarykit/canarykit/internal/schema"
	"github.com/canarykit/canarykit/internal/source"
)

// Config is a watch list, loaded and checked: every duration parsed, every
// path made absolute, every default applied.
type Config struct {
	Targets   []Target
	Alerts    Alerts
	Retention Retention
	// Dir is the directory of the watch list; relative paths in it are
	// relative to Dir.
	Dir string
}

// Target is one canary to watch, with its defaults applied.
type Target struct {
	Name string
	// URL or File says where the canary is published; exactly one is set.
	URL, File string
	Keys      []string // key specs as for keys.Resolve, files made absolute
	VKS       string
	Sigs      []string // detached signatures: files (absolute) or URLs
	Threshold int
	// MaxAge judges a free-text canary; from max_age, or cadence + grace.
	MaxAge     time.Duration
	WarnBefore time.Duration
	Proxy      string
	// Via are the vantage points the canary is fetched through each
	// round, as written ("direct" or a proxy URL); none for a target
	// fetched once, through Proxy.
	Via []string
	// Vantage is set on the targets Run makes of one with Via, one per
	// vantage point: "direct" or the proxy URL without its password.
	// Direct is set for "direct": no proxy, not even the environment's.
	Vantage  string
	Direct   bool
	Timeout  time.Duration
	MaxBytes int64
	// A failure is reported (unreachable, vanished) only after
	// UnreachableAfter checks in a row over at least UnreachableFor.
	UnreachableAfter int
	UnreachableFor   time.Duration
}

// Location is what identifies where the target's canary is published.
func (t *Target) Location() string {
	if t.URL != "" {
		return t.URL
	}
	return t.File
}

// Retention says how much history is kept (docs/WATCH.md, Retention).
type Retention struct {
	// Checks: repeated identical checks older than this are thinned to
	// one a day; 0 keeps every check.
	Checks time.Duration
}

// Alerts say where alerts go.
type Alerts struct {
	// Reminder is how often an unresolved problem is recalled; 0 never.
	Reminder time.Duration
	// Heartbeat is how often a heartbeat goes through every channel, so
	// that a broken channel is noticed; 0 never.
	Heartbeat time.Duration
	Webhooks  []Webhook
	Email     []Email
	Commands  []Command
}

// Webhook POSTs each alert as JSON.
type Webhook struct {
	Name      string
	URL       string
	SecretEnv string
	Timeout   time.Duration
}

// Email sends each alert over SMTP.
type Email struct {
	Name        string
	Server      string // host:port
	TLS         string // starttls, tls or none
	CAFile      string
	Username    string
	PasswordEnv string
	From        string
	To          []string
	Timeout     time.Duration
}

// Command runs a program for each alert.
type Command struct {
	Name    string
	Run     []string
	Timeout time.Duration
}

// Defaults that apply when neither a target nor the defaults say otherwise.
const (
	DefaultWarnBefore       = 7 * 24 * time.Hour
	DefaultGrace            = 7 * 24 * time.Hour
	DefaultUnreachableAfter = 3
	DefaultUnreachableFor   = 6 * time.Hour
	DefaultReminder         = 24 * time.Hour
	DefaultTimeout          = 30 * time.Second
	DefaultMaxBytes         = 1 << 20
	DefaultAlertTimeout     = 30 * time.Second
)

// maxConfigBytes bounds a watch list. It is larger than the schema
// package's limit for one YAML document only in spirit: both are 1 MiB.
const maxConfigBytes = 1 << 20

// A watch list and the files it includes (include, targets_file) are at
// most 1 + maxIncludeFiles files and maxTargets targets.
const (
	maxIncludeFiles = 1000
	maxTargets      = 1_000_000
)

// options are the fields a target shares with defaults, as written.
type options struct {
	Keys             []string `yaml:"keys" json:"keys"`
	VKS              string   `yaml:"vks" json:"vks"`
	Threshold        int      `yaml:"threshold" json:"threshold"`
	MaxAge           string   `yaml:"max_age" json:"max_age"`
	Cadence          string   `yaml:"cadence" json:"cadence"`
	Grace            string   `yaml:"grace" json:"grace"`
	WarnBefore       string   `yaml:"warn_before" json:"warn_before"`
	Proxy            string   `yaml:"proxy" json:"proxy"`
	Via              []string `yaml:"via" json:"via"`
	Timeout          string   `yaml:"timeout" json:"timeout"`
	MaxBytes         string   `yaml:"max_bytes" json:"max_bytes"`
	UnreachableAfter int      `yaml:"unreachable_after" json:"unreachable_after"`
	UnreachableFor   string   `yaml:"unreachable_for" json:"unreachable_for"`
}

// rawTarget is options plus where the canary is; goccy/go-yaml cannot
// fill an embedded unexported struct, so the fields are repeated.
type rawTarget struct {
	Name             string   `yaml:"name" json:"name"`
	URL              string   `yaml:"url" json:"url"`
	File             string   `yaml:"file" json:"file"`
	Sigs             []string `yaml:"sigs" json:"sigs"`
	Keys             []string `yaml:"keys" json:"keys"`
	VKS              string   `yaml:"vks" json:"vks"`
	Threshold        int      `yaml:"threshold" json:"threshold"`
	MaxAge           string   `yaml:"max_age" json:"max_age"`
	Cadence          string   `yaml:"cadence" json:"cadence"`
	Grace            string   `yaml:"grace" json:"grace"`
	WarnBefore       string   `yaml:"warn_before" json:"warn_before"`
	Proxy            string   `yaml:"proxy" json:"proxy"`
	Via              []string `yaml:"via" json:"via"`
	Timeout          string   `yaml:"timeout" json:"timeout"`
	MaxBytes         string   `yaml:"max_bytes" json:"max_bytes"`
	UnreachableAfter int      `yaml:"unreachable_after" json:"unreachable_after"`
	UnreachableFor   string   `yaml:"unreachable_for" json:"unreachable_for"`
}

func (t rawTarget) options() options {
	return options{t.Keys, t.VKS, t.Threshold, t.MaxAge, t.Cadence, t.Grace, t.WarnBefore, t.Proxy, t.Via, t.Timeout, t.MaxBytes, t.UnreachableAfter, t.UnreachableFor}
}

// rawFile is a watch list, or an included file (which the schema limits
// to defaults, include, targets_file and targets).
type rawFile struct {
	Defaults    options      `yaml:"defaults" json:"defaults"`
	Alerts      rawAlerts    `yaml:"alerts" json:"alerts"`
	Retention   rawRetention `yaml:"retention" json:"retention"`
	Include     []string     `yaml:"include" json:"include"`
	TargetsFile string       `yaml:"targets_file" json:"targets_file"`
	Targets     []rawTarget  `yaml:"targets" json:"targets"`
}

type rawRetention struct {
	Checks string `yaml:"checks" json:"checks"`
}

type rawAlerts struct {
	Reminder  string `yaml:"reminder" json:"reminder"`
	Heartbeat string `yaml:"heartbeat" json:"heartbeat"`
	Webhooks  []struct {
		Name      string `yaml:"name" json:"name"`
		URL       string `yaml:"url" json:"url"`
		SecretEnv string `yaml:"secret_env" json:"secret_env"`
		Timeout   string `yaml:"timeout" json:"timeout"`
	} `yaml:"webhooks" json:"webhooks"`
	Email []struct {
		Name        string   `yaml:"name" json:"name"`
		Server      string   `yaml:"server" json:"server"`
		TLS         string   `yaml:"tls" json:"tls"`
		CAFile      string   `yaml:"ca_file" json:"ca_file"`
		Username    string   `yaml:"username" json:"username"`
		PasswordEnv string   `yaml:"password_env" json:"password_env"`
		From        string   `yaml:"from" json:"from"`
		To          []string `yaml:"to" json:"to"`
		Timeout     string   `yaml:"timeout" json:"timeout"`
	} `yaml:"email" json:"email"`
	Commands []struct {
		Name    string   `yaml:"name" json:"name"`
		Run     []string `yaml:"run" json:"run"`
		Timeout string   `yaml:"timeout" json:"timeout"`
	} `yaml:"commands" json:"commands"`
}

// LoadConfig reads and checks the watch list at path.
func LoadConfig(path string) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read the watch list: %v", err)
	}
	defer f.Close()
	data, err := readAtMost(f, maxConfigBytes)
	if err != nil {
		return nil, fmt.Errorf("cannot read the watch list %s: %v", path, err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	return parseConfig(path, abs, data)
}

// readAtMost is canary.ReadAtMost with errors that say what the file
// should have been.
func readAtMost(f *os.File, n int64) ([]byte, error) {
	data, err := canary.ReadAtMost(f, f.Name(), n)
	if tooLarge := (*canary.TooLargeError)(nil); errors.As(err, &tooLarge) {
		if n == maxConfigBytes {
			return nil, fmt.Errorf("the file is larger than %d bytes; a watch list is a short text file (split a long one with include, or use a targets_file)", n)
		}
		return nil, fmt.Errorf("the file is larger than %d bytes", n)
	}
	return data, err
}

func readBounded(path string, n int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readAtMost(f, n)
}

// ParseConfig checks data, a watch list named filename, against the
// schema, then reads it. Relative paths are taken relative to dir. Every
// problem the schema finds is reported with its line; the checks the
// schema cannot express name the target.
func ParseConfig(filename, dir string, data []byte) (*Config, error) {
	return parseConfig(filename, filepath.Join(dir, filepath.Base(filename)), data)
}

// parseConfig reads the watch list at absPath (named filename in
// messages), whose content is data, and the files it includes.
func parseConfig(filename, absPath string, data []byte) (*Config, error) {
	if onlyComments(data) {
		return nil, fmt.Errorf("%s: the watch list is empty; see docs/WATCH.md for an example", filename)
	}
	var raw rawFile
	if err := decode(schema.Watch, filename, data, &raw); err != nil {
		return nil, err
	}
	dir := filepath.Dir(absPath)
	c := &Config{Dir: dir}
	p := &problems{file: filename}
	l := &loader{names: map[string]place{}, mainAbs: absPath, mainData: data, loaded: map[string]string{}}
	l.loaded[realPath(absPath)] = filename
	def := p.options(raw.Defaults, "defaults", dir)
	c.Alerts = p.alerts(raw.Alerts, dir)
	c.Retention = p.retention(raw.Retention)
	l.stack = []string{realPath(absPath)}
	l.body(p, &raw, filename, absPath, data, def)
	if errs := append(p.list, l.errs...); len(errs) > 0 {
		return nil, errors.New(strings.Join(errs, "\n"))
	}
	if len(l.targets) == 0 {
		return nil, fmt.Errorf("%s: no targets: give targets, include or targets_file", filename)
	}
	c.Targets = l.targets
	return c, nil
}

// decode checks data against the schema of kind k and reads it into raw.
// The schema has checked every key and type, so the document it returns
// is read as JSON, which is much faster than decoding the YAML again (a
// list of a thousand targets, a hundred times over); should that ever
// fail, the YAML decoder's strict reading says why.
func decode(k schema.Kind, filename string, data []byte, raw *rawFile) error {
	v, err := schema.DecodeYAML(k, filename, data)
	if err != nil {
		return err
	}
	if b, err := json.Marshal(v); err == nil {
		d := json.NewDecoder(bytes.NewReader(b))
		d.DisallowUnknownFields()
		if d.Decode(raw) == nil {
			return nil
		}
	}
	*raw = rawFile{}
	if err := yaml.UnmarshalWithOptions(data, raw, yaml.Strict(), yaml.DisallowUnknownField()); err != nil {
		return fmt.Errorf("%s: %s", filename, yaml.FormatError(err, false, true))
	}
	return nil
}

// loader reads a watch list and the files it includes.
type loader struct {
	targets []Target
	names   map[string]place // where each name was given first
	errs    []string
	files   int               // included and bulk files read
	stack   []string          // the real paths being read, outermost first
	loaded  map[string]string // real path -> name in messages
	full    bool              // too many files or targets: stop
	// The watch list itself, which may not be on disk (ParseConfig).
	mainAbs  string
	mainData []byte
}

// place is where a target was given: targets[index] of a YAML file, or a
// line of a targets_file.
type place struct {
	file, abs   string
	index, line int // line: a targets_file
}

func (l *loader) where(pl place) string {
	if pl.line > 0 {
		return fmt.Sprintf("%s:%d:1", pl.file, pl.line)
	}
	data := l.mainData
	if pl.abs != l.mainAbs {
		data, _ = readBounded(pl.abs, maxConfigBytes)
	}
	if line, col := yamlPos(data, pl.index); line > 0 {
		return fmt.Sprintf("%s:%d:%d (targets[%d])", pl.file, line, col, pl.index)
	}
	return fmt.Sprintf("%s (targets[%d])", pl.file, pl.index)
}

// yamlPos is the line and column of targets[i] in a YAML document.
func yamlPos(data []byte, i int) (int, int) {
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		return 0, 0
	}
	path, err := yaml.PathString(fmt.Sprintf("$.targets[%d]", i))
	if err != nil {
		return 0, 0
	}
	n, err := path.FilterFile(f)
	if err != nil || n == nil {
		return 0, 0
	}
	tok := n.GetToken()
	switch m := n.(type) {
	case *ast.MappingValueNode:
		tok = m.Key.GetToken()
	case *ast.MappingNode:
		if !m.IsFlowStyle && len(m.Values) > 0 {
			tok = m.Values[0].Key.GetToken()
		}
	}
	if tok == nil || tok.Position == nil {
		return 0, 0
	}
	return tok.Position.Line, tok.Position.Column
}

func (l *loader) room() bool {
	if l.full {
		return false
	}
	if len(l.targets) > maxTargets {
		l.errs = append(l.errs, fmt.Sprintf("%s: more than %d targets in all; split the watch list into several", l.loaded[l.stack[0]], maxTargets))
		l.full = true
	}
	return !l.full
}

// body reads the targets of one file, then its targets_file, then the
// files it includes, all with the defaults def.
func (l *loader) body(p *problems, raw *rawFile, filename, absPath string, data []byte, def parsed) {
	dir := filepath.Dir(absPath)
	for i, rt := range raw.Targets {
		where := fmt.Sprintf("targets[%d] (%s)", i, rt.Name)
		pl := place{file: filename, abs: absPath, index: i}
		if prev, dup := l.names[rt.Name]; dup && prev.abs == absPath && prev.line == 0 {
			p.add("%s: the name %q is also used by targets[%d]; every target needs its own name", where, rt.Name, prev.index)
		} else if dup {
			if line, col := yamlPos(data, i); line > 0 {
				p.addAt(line, col, "%s: the name %q is also used at %s; every target needs its own name", where, rt.Name, l.where(prev))
			} else {
				p.add("%s: the name %q is also used at %s; every target needs its own name", where, rt.Name, l.where(prev))
			}
		} else {
			l.names[rt.Name] = pl
		}
		t := Target{Name: rt.Name, URL: rt.URL}
		if rt.File != "" {
			t.File = abs(dir, rt.File)
		}
		if (t.URL == "") == (t.File == "") {
			p.add("%s: give either url or file", where)
		}
		for _, s := range rt.Sigs {
			if !source.IsURL(s) {
				s = abs(dir, s)
			}
			t.Sigs = append(t.Sigs, s)
		}
		o := p.options(rt.options(), where, dir)
		o.merge(def)
		o.apply(&t, where, p)
		l.targets = append(l.targets, t)
	}
	if raw.TargetsFile != "" && l.room() {
		l.bulk(p, filename, dir, raw.TargetsFile, def)
	}
	for i, pat := range raw.Include {
		if !l.room() {
			return
		}
		full := abs(dir, pat)
		matches := []string{full}
		if strings.ContainsAny(pat, "*?[\\") {
			var err error
			if matches, err = filepath.Glob(full); err != nil {
				p.add("include[%d]: %q: %v", i, pat, err)
				continue
			}
			if len(matches) == 0 {
				p.add("include[%d]: %q matches no file", i, pat)
				continue
			}
		}
		for _, m := range matches {
			if !l.room() {
				return
			}
			l.include(p, fmt.Sprintf("include[%d]", i), display(filename, dir, m), m, def)
		}
	}
}

// display names an included file in messages: relative to the watch list
// when the including file's name was.
func display(including, dir, path string) string {
	rel, err := filepath.Rel(dir, path)
	if err != nil || filepath.IsAbs(including) {
		return path
	}
	return filepath.Join(filepath.Dir(including), rel)
}

func realPath(p string) string {
	if r, err := filepath.EvalSymlinks(p); err == nil {
		return r
	}
	return p
}

// count counts one more file, and says whether there is room for it.
func (l *loader) count() bool {
	l.files++
	if l.files > maxIncludeFiles {
		l.errs = append(l.errs, fmt.Sprintf("%s: the watch list includes more than %d files (include and targets_file); use fewer, larger files",
			l.loaded[l.stack[0]], maxIncludeFiles))
		l.full = true
		return false
	}
	return true
}

func (l *loader) include(p *problems, field, name, absPath string, def parsed) {
	real := realPath(absPath)
	if i := slices.Index(l.stack, real); i >= 0 {
		var chain []string
		for _, s := range l.stack[i:] {
			chain = append(chain, l.loaded[s])
		}
		p.add("%s: include cycle: %s -> %s; a file cannot include itself, directly or through others", field, strings.Join(chain, " -> "), name)
		return
	}
	if by, ok := l.loaded[real]; ok {
		p.add("%s: %s is included twice (also as %s); include each file once", field, name, by)
		return
	}
	if !l.count() {
		return
	}
	l.loaded[real] = name
	data, err := readBounded(absPath, maxConfigBytes)
	if err != nil {
		p.add("%s: cannot read %s: %v", field, name, err)
		return
	}
	if onlyComments(data) {
		p.add("%s: %s is empty; an included file has targets (and maybe defaults, include, targets_file)", field, name)
		return
	}
	var raw rawFile
	if err := decode(schema.WatchTargets, name, data, &raw); err != nil {
		l.errs = append(l.errs, err.Error())
		return
	}
	q := &problems{file: name}
	fdef := q.options(raw.Defaults, "defaults", filepath.Dir(absPath))
	fdef.merge(def)
	l.stack = append(l.stack, real)
	l.body(q, &raw, name, absPath, data, fdef)
	l.stack = l.stack[:len(l.stack)-1]
	l.errs = append(l.errs, q.list...)
}

// bulk reads a targets_file named by filename (in dir).
func (l *loader) bulk(p *problems, filename, dir, file string, def parsed) {
	full := abs(dir, file)
	name := display(filename, dir, full)
	if !l.count() {
		return
	}
	data, err := readBounded(full, maxBulkBytes)
	if err != nil {
		p.add("targets_file: cannot read %s: %v", name, err)
		return
	}
	bts, err := parseBulk(name, data)
	data = nil
	if err != nil {
		l.errs = append(l.errs, err.Error())
		return
	}
	bdir := filepath.Dir(full)
	q := &problems{file: name}
	l.targets = slices.Grow(l.targets, len(bts))
	for _, b := range bts {
		if prev, dup := l.names[b.Name]; dup {
			q.addAt(b.line, 1, "the name %q is also used at %s; every target needs its own name", b.Name, l.where(prev))
			continue
		}
		l.names[b.Name] = place{file: name, abs: full, line: b.line}
		t := Target{Name: b.Name, URL: b.URL}
		if b.File != "" {
			t.File = abs(bdir, b.File)
		}
		var o parsed
		for _, k := range b.Keys {
			o.keys = append(o.keys, keySpec(bdir, k))
		}
		o.merge(def)
		if len(o.keys) == 0 {
			q.addAt(b.line, 1, "%s: no keys: give the publisher's keys in the keys column (or under defaults)", b.Name)
			continue
		}
		o.apply(&t, b.Name, q)
		l.targets = append(l.targets, t)
		if len(q.list) > 100 {
			q.list = append(q.list, name+": more problems not shown")
			break
		}
	}
	l.errs = append(l.errs, q.list...)
}

// onlyComments is true for a file with nothing but blanks and comments,
// which the schema package would call an empty definition.
func onlyComments(data []byte) bool {
	for _, line := range bytes.Split(bytes.TrimPrefix(data, []byte("\uFEFF")), []byte("\n")) {
		l := bytes.TrimSpace(line)
		if len(l) > 0 && l[0] != '#' && !bytes.Equal(l, []byte("---")) {
			return false
		}
	}
	return true
}

// parsed holds one set of options, parsed, with zero meaning unset.
type parsed struct {
	keys                       []string
	vks                        string
	threshold                  int
	maxAge, cadence, grace     time.Duration
	hasMaxAge, hasCadence      bool
	warnBefore, timeout, unFor time.Duration
	proxy                      string
	via                        []string
	// ownVia: via was given here, not merged from the defaults.
	ownVia   bool
	maxBytes int64
	unAfter  int
}

func (o *parsed) merge(d parsed) {
	if o.keys == nil {
		o.keys = d.keys
	}
	if o.vks == "" {
		o.vks = d.vks
	}
	if o.threshold == 0 {
		o.threshold = d.threshold
	}
	// max_age and cadence are one setting written two ways: a target that
	// gives either does not inherit the other.
	if !o.hasMaxAge && !o.hasCadence {
		o.maxAge, o.cadence, o.hasMaxAge, o.hasCadence = d.maxAge, d.cadence, d.hasMaxAge, d.hasCadence
	}
	if o.grace == 0 {
		o.grace = d.grace
	}
	if o.warnBefore == 0 {
		o.warnBefore = d.warnBefore
	}
	if o.timeout == 0 {
		o.timeout = d.timeout
	}
	if o.unFor == 0 {
		o.unFor = d.unFor
	}
	// proxy and via are one setting too: how the canary is reached.
	if o.proxy == "" && o.via == nil {
		o.proxy, o.via = d.proxy, d.via
	}
	if o.maxBytes == 0 {
		o.maxBytes = d.maxBytes
	}
	if o.unAfter == 0 {
		o.unAfter = d.unAfter
	}
}

func (o *parsed) apply(t *Target, where string, p *problems) {
	if len(o.keys) == 0 {
		p.add("%s: no keys: give the publisher's keys under keys (or under defaults), as for canary verify --key", where)
	}
	t.Keys = o.keys
	t.VKS = cmpOr(o.vks, keys.DefaultVKS)
	t.Threshold = max(o.threshold, 1)
	t.MaxAge = o.maxAge
	if o.hasCadence {
		t.MaxAge = o.cadence + cmpOr(o.grace, DefaultGrace)
	}
	t.WarnBefore = cmpOr(o.warnBefore, DefaultWarnBefore)
	t.Proxy = o.proxy
	t.Via = o.via
	if t.File != "" {
		// A file is read on this machine: the defaults' via, meant for
		// the URL targets, does not apply to it.
		if o.ownVia {
			p.add("%s: via fetches a URL through each vantage point; a file has none (remove via, or give a url)", where)
		}
		t.Via = nil
	}
	t.Timeout = cmpOr(o.timeout, DefaultTimeout)
	t.MaxBytes = cmpOr(o.maxBytes, DefaultMaxBytes)
	t.UnreachableAfter = cmpOr(o.unAfter, DefaultUnreachableAfter)
	t.UnreachableFor = cmpOr(o.unFor, DefaultUnreachableFor)
}

func cmpOr[T comparable](v, d T) T {
	var zero T
	if v == zero {
		return d
	}
	return v
}

type problems struct {
	file string
	list []string
}

func (p *problems) add(format string, a ...any) {
	p.list = append(p.list, fmt.Sprintf("%s: ", p.file)+fmt.Sprintf(format, a...))
}

func (p *problems) addAt(line, col int, format string, a ...any) {
	p.list = append(p.list, fmt.Sprintf("%s:%d:%d: ", p.file, line, col)+fmt.Sprintf(format, a...))
}

func (p *problems) retention(r rawRetention) Retention {
	d := p.duration("retention", "checks", r.Checks)
	if d != 0 && d < 24*time.Hour {
		p.add("retention: checks %q is less than a day; repeated checks are thinned to one a day, so give e.g. 90d", r.Checks)
	}
	return Retention{Checks: d}
}

func (p *problems) err() error {
	if len(p.list) == 0 {
		return nil
	}
	return errors.New(strings.Join(p.list, "\n"))
}

func (p *problems) duration(where, field, s string) time.Duration {
	if s == "" {
		return 0
	}
	d, err := duration.Parse(s)
	if err != nil || d <= 0 {
		p.add("%s: %s %q is not a positive duration; use e.g. 90d, 12w or 6h", where, field, s)
		return 0
	}
	return d
}

func (p *problems) options(o options, where, dir string) parsed {
	var r parsed
	for _, k := range o.Keys {
		r.keys = append(r.keys, keySpec(dir, k))
	}
	r.vks = o.VKS
	r.threshold = o.Threshold
	r.maxAge = p.duration(where, "max_age", o.MaxAge)
	r.cadence = p.duration(where, "cadence", o.Cadence)
	r.hasMaxAge, r.hasCadence = o.MaxAge != "", o.Cadence != ""
	if r.hasMaxAge && r.hasCadence {
		p.add("%s: give max_age or cadence, not both (max_age is the age at which a free-text canary lapses; cadence + grace says the same)", where)
	}
	r.grace = p.duration(where, "grace", o.Grace)
	r.warnBefore = p.duration(where, "warn_before", o.WarnBefore)
	r.timeout = p.duration(where, "timeout", o.Timeout)
	r.unFor = p.duration(where, "unreachable_for", o.UnreachableFor)
	r.proxy = o.Proxy
	r.via, r.ownVia = p.via(o.Via, where), len(o.Via) > 0
	if o.Proxy != "" && len(o.Via) > 0 {
		p.add("%s: give proxy or via, not both (put the proxy among the vantage points of via; \"direct\" is the one without a proxy)", where)
	}
	r.unAfter = o.UnreachableAfter
	if o.MaxBytes != "" {
		n, err := fetch.ParseSize(o.MaxBytes)
		if err != nil {
			p.add("%s: max_bytes: %v", where, err)
		}
		r.maxBytes = n
	}
	return r
}

// via checks a list of vantage points. The schema has checked the form
// of each; fetch checks that it can use it, so that a bad proxy is
// reported when the list is read, not at every check.
func (p *problems) via(list []string, where string) []string {
	labels := map[string]int{}
	for i, v := range list {
		if v != "direct" {
			if _, err := fetch.New(fetch.Options{Proxy: v}); err != nil {
				p.add("%s: via[%d]: %v", where, i, err)
			}
		}
		l := vantageLabel(v)
		if j, dup := labels[l]; dup {
			p.add("%s: via[%d] and via[%d] are the same vantage point (%s); name each once", where, j, i, l)
		}
		labels[l] = i
	}
	return list
}

// vantageLabel names a vantage point in history and output: a proxy's
// password is never shown.
func vantageLabel(v string) string {
	if v == "direct" {
		return v
	}
	return redact.URL(v)
}

func (p *problems) alerts(a rawAlerts, dir string) Alerts {
	out := Alerts{Reminder: DefaultReminder}
	if a.Reminder != "" {
		d, err := duration.Parse(a.Reminder)
		if err != nil || d < 0 {
			p.add("alerts: reminder %q is not a duration; use e.g. 24h, or 0s for no reminders", a.Reminder)
		}
		out.Reminder = d
	}
	if d := p.duration("alerts", "heartbeat", a.Heartbeat); d != 0 && d < time.Hour {
		p.add("alerts: heartbeat %q is less than an hour; a heartbeat says a channel still works, e.g. 7d", a.Heartbeat)
	} else {
		out.Heartbeat = d
	}
	names := map[string]bool{}
	name := func(given, kind string, i int) string {
		n := given
		if n == "" {
			n = fmt.Sprintf("%s-%d", kind, i+1)
		}
		if names[n] {
			p.add("alerts: two channels are named %q; give each its own name", n)
		}
		names[n] = true
		return n
	}
	for i, w := range a.Webhooks {
		where := fmt.Sprintf("alerts.webhooks[%d]", i)
		out.Webhooks = append(out.Webhooks, Webhook{Name: name(w.Name, "webhook", i), URL: w.URL, SecretEnv: w.SecretEnv,
			Timeout: cmpOr(p.duration(where, "timeout", w.Timeout), DefaultAlertTimeout)})
	}
	for i, e := range a.Email {
		where := fmt.Sprintf("alerts.email[%d]", i)
		m := Email{Name: name(e.Name, "email", i), Server: e.Server, TLS: cmpOr(e.TLS, "starttls"), Username: e.Username,
			PasswordEnv: e.PasswordEnv, From: e.From, To: e.To, Timeout: cmpOr(p.duration(where, "timeout", e.Timeout), DefaultAlertTimeout)}
		if e.CAFile != "" {
			m.CAFile = abs(dir, e.CAFile)
		}
		if (e.Username == "") != (e.PasswordEnv == "") {
			p.add("%s: give username and password_env together", where)
		}
		if e.Username != "" && m.TLS == "none" && !isLoopback(e.Server) {
			p.add("%s: SMTP AUTH over a connection without TLS would send the password in clear; use tls: starttls or tls", where)
		}
		out.Email = append(out.Email, m)
	}
	for i, c := range a.Commands {
		where := fmt.Sprintf("alerts.commands[%d]", i)
		run := append([]string(nil), c.Run...)
		if strings.ContainsRune(run[0], filepath.Separator) && !filepath.IsAbs(run[0]) {
			run[0] = abs(dir, run[0])
		}
		out.Commands = append(out.Commands, Command{Name: name(c.Name, "command", i), Run: run,
			Timeout: cmpOr(p.duration(where, "timeout", c.Timeout), DefaultAlertTimeout)})
	}
	return out
}

func isLoopback(hostport string) bool {
	h := hostport
	if i := strings.LastIndexByte(h, ':'); i >= 0 {
		h = h[:i]
	}
	return h == "localhost" || strings.HasPrefix(h, "127.") || h == "[::1]"
}

// keySpec makes a key file path absolute; other specs stay as they are.
func keySpec(dir, s string) string {
	if strings.HasPrefix(s, "wkd:") || strings.HasPrefix(s, "vks:") || looksLikeFingerprint(s) {
		return s
	}
	return abs(dir, s)
}

func looksLikeFingerprint(s string) bool {
	t := strings.Join(strings.Fields(s), "")
	t = strings.TrimPrefix(strings.TrimPrefix(t, "0x"), "0X")
	if len(t) != 40 && len(t) != 64 {
		return false
	}
	for _, c := range t {
		if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
			return false
		}
	}
	return true
}

func abs(dir, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}
