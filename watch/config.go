package watch

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/canarykit/canarykit/canary"
	"github.com/canarykit/canarykit/fetch"
	"github.com/canarykit/canarykit/keys"
	"github.com/canarykit/canarykit/schema"
)

// Config is a watch list, loaded and checked: every duration parsed, every
// path made absolute, every default applied.
type Config struct {
	Targets []Target
	Alerts  Alerts
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
	Timeout    time.Duration
	MaxBytes   int64
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

// Alerts say where alerts go.
type Alerts struct {
	// Reminder is how often an unresolved problem is recalled; 0 never.
	Reminder time.Duration
	Webhooks []Webhook
	Email    []Email
	Commands []Command
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

// options are the fields a target shares with defaults, as written.
type options struct {
	Keys             []string `yaml:"keys"`
	VKS              string   `yaml:"vks"`
	Threshold        int      `yaml:"threshold"`
	MaxAge           string   `yaml:"max_age"`
	Cadence          string   `yaml:"cadence"`
	Grace            string   `yaml:"grace"`
	WarnBefore       string   `yaml:"warn_before"`
	Proxy            string   `yaml:"proxy"`
	Timeout          string   `yaml:"timeout"`
	MaxBytes         string   `yaml:"max_bytes"`
	UnreachableAfter int      `yaml:"unreachable_after"`
	UnreachableFor   string   `yaml:"unreachable_for"`
}

// rawTarget is options plus where the canary is; goccy/go-yaml cannot
// fill an embedded unexported struct, so the fields are repeated.
type rawTarget struct {
	Name             string   `yaml:"name"`
	URL              string   `yaml:"url"`
	File             string   `yaml:"file"`
	Sigs             []string `yaml:"sigs"`
	Keys             []string `yaml:"keys"`
	VKS              string   `yaml:"vks"`
	Threshold        int      `yaml:"threshold"`
	MaxAge           string   `yaml:"max_age"`
	Cadence          string   `yaml:"cadence"`
	Grace            string   `yaml:"grace"`
	WarnBefore       string   `yaml:"warn_before"`
	Proxy            string   `yaml:"proxy"`
	Timeout          string   `yaml:"timeout"`
	MaxBytes         string   `yaml:"max_bytes"`
	UnreachableAfter int      `yaml:"unreachable_after"`
	UnreachableFor   string   `yaml:"unreachable_for"`
}

func (t rawTarget) options() options {
	return options{t.Keys, t.VKS, t.Threshold, t.MaxAge, t.Cadence, t.Grace, t.WarnBefore, t.Proxy, t.Timeout, t.MaxBytes, t.UnreachableAfter, t.UnreachableFor}
}

type rawFile struct {
	Defaults options     `yaml:"defaults"`
	Alerts   rawAlerts   `yaml:"alerts"`
	Targets  []rawTarget `yaml:"targets"`
}

type rawAlerts struct {
	Reminder string `yaml:"reminder"`
	Webhooks []struct {
		Name      string `yaml:"name"`
		URL       string `yaml:"url"`
		SecretEnv string `yaml:"secret_env"`
		Timeout   string `yaml:"timeout"`
	} `yaml:"webhooks"`
	Email []struct {
		Name        string   `yaml:"name"`
		Server      string   `yaml:"server"`
		TLS         string   `yaml:"tls"`
		CAFile      string   `yaml:"ca_file"`
		Username    string   `yaml:"username"`
		PasswordEnv string   `yaml:"password_env"`
		From        string   `yaml:"from"`
		To          []string `yaml:"to"`
		Timeout     string   `yaml:"timeout"`
	} `yaml:"email"`
	Commands []struct {
		Name    string   `yaml:"name"`
		Run     []string `yaml:"run"`
		Timeout string   `yaml:"timeout"`
	} `yaml:"commands"`
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
	return ParseConfig(path, filepath.Dir(abs), data)
}

func readAtMost(f *os.File, n int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(f, n+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > n {
		return nil, fmt.Errorf("the file is larger than %d bytes; a watch list is a short text file", n)
	}
	return data, nil
}

// ParseConfig checks data, a watch list named filename, against the
// schema, then reads it. Relative paths are taken relative to dir. Every
// problem the schema finds is reported with its line; the checks the
// schema cannot express name the target.
func ParseConfig(filename, dir string, data []byte) (*Config, error) {
	if onlyComments(data) {
		return nil, fmt.Errorf("%s: the watch list is empty; see docs/WATCH.md for an example", filename)
	}
	if err := schema.ValidateYAML(schema.Watch, filename, data); err != nil {
		return nil, err
	}
	var raw rawFile
	if err := yaml.UnmarshalWithOptions(data, &raw, yaml.Strict(), yaml.DisallowUnknownField()); err != nil {
		return nil, fmt.Errorf("%s: %s", filename, yaml.FormatError(err, false, true))
	}
	c := &Config{Dir: dir}
	p := &problems{file: filename}
	def := p.options(raw.Defaults, "defaults", dir)
	seen := map[string]int{}
	for i, rt := range raw.Targets {
		where := fmt.Sprintf("targets[%d] (%s)", i, rt.Name)
		if j, dup := seen[rt.Name]; dup {
			p.add("%s: the name %q is also used by targets[%d]; every target needs its own name", where, rt.Name, j)
		}
		seen[rt.Name] = i
		t := Target{Name: rt.Name, URL: rt.URL}
		if rt.File != "" {
			t.File = abs(dir, rt.File)
		}
		if (t.URL == "") == (t.File == "") {
			p.add("%s: give either url or file", where)
		}
		for _, s := range rt.Sigs {
			if !isURL(s) {
				s = abs(dir, s)
			}
			t.Sigs = append(t.Sigs, s)
		}
		o := p.options(rt.options(), where, dir)
		o.merge(def)
		o.apply(&t, where, p)
		c.Targets = append(c.Targets, t)
	}
	c.Alerts = p.alerts(raw.Alerts, dir)
	if err := p.err(); err != nil {
		return nil, err
	}
	return c, nil
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
	maxBytes                   int64
	unAfter                    int
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
	if o.proxy == "" {
		o.proxy = d.proxy
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
	d, err := canary.ParseDuration(s)
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

func (p *problems) alerts(a rawAlerts, dir string) Alerts {
	out := Alerts{Reminder: DefaultReminder}
	if a.Reminder != "" {
		d, err := canary.ParseDuration(a.Reminder)
		if err != nil || d < 0 {
			p.add("alerts: reminder %q is not a duration; use e.g. 24h, or 0s for no reminders", a.Reminder)
		}
		out.Reminder = d
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

func isURL(s string) bool {
	l := strings.ToLower(s)
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://")
}
