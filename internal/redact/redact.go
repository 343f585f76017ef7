// Package redact hides the credentials a URL can carry before it is
// shown, logged or stored: the password of its userinfo, the token of a
// chat webhook in its path (Slack, Discord, Mattermost, Teams, Telegram),
// and the values of query parameters that name a secret (token, key,
// access_token, auth, secret, password, sig, ...). Scheme, host and the
// rest of the path are kept, so that an operator still recognises which
// URL it is.
//
// It is the one rule for the whole toolkit: every place that prints a
// webhook or target URL, or an error that may echo one, goes through URL
// or Text.
package redact

import (
	"net"
	"net/url"
	"regexp"
	"strings"
)

// Mark replaces every secret.
const Mark = "REDACTED"

// secretParams are query parameters whose value is a credential. A
// parameter whose name contains one of secretWords is one too.
var secretParams = map[string]bool{
	"token": true, "key": true, "access_token": true, "auth": true, "secret": true,
	"password": true, "sig": true, "signature": true, "pass": true, "passwd": true,
	"pwd": true, "apikey": true, "api_key": true, "code": true, "credential": true,
	"x-amz-signature": true, "x-amz-credential": true, "x-goog-signature": true,
}

var secretWords = []string{"token", "secret", "password", "passwd", "signature", "apikey", "api_key", "api-key", "authorization", "credential"}

// hookMarkers are path segments after which a webhook's credential
// follows: /hooks/KEY (Mattermost, Rocket.Chat, ...), /api/webhooks/ID/TOKEN
// (Discord), /webhook/... (Teams).
var hookMarkers = map[string]bool{"hooks": true, "webhooks": true, "webhook": true, "webhookb2": true}

// URL returns s with its credentials replaced by Mark. It splits s
// itself rather than with url.Parse, so that a URL too malformed to parse
// (which an error message may well quote) is redacted too, and the rest
// is kept byte for byte. Something without "://" (a file name) is
// returned as it is.
func URL(s string) string {
	i := strings.Index(s, "://")
	if i <= 0 {
		return s
	}
	var b strings.Builder
	b.WriteString(s[:i+3])
	rest := s[i+3:]
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	authority, rest := rest[:end], rest[end:]
	if at := strings.LastIndexByte(authority, '@'); at >= 0 {
		if user, _, ok := strings.Cut(authority[:at], ":"); ok {
			b.WriteString(user + ":" + Mark)
		} else {
			// A lone user name is often a token (https://TOKEN@host/).
			b.WriteString(Mark)
		}
		authority = authority[at:]
	}
	b.WriteString(authority)
	host := strings.TrimPrefix(authority, "@")
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.ToLower(host)
	frag := ""
	if j := strings.IndexByte(rest, '#'); j >= 0 {
		rest, frag = rest[:j], rest[j+1:]
	}
	p, q, hasQuery := strings.Cut(rest, "?")
	b.WriteString(path(host, p))
	if hasQuery {
		b.WriteString("?" + query(q))
	}
	if frag != "" || strings.HasSuffix(s, "#") {
		if strings.Contains(frag, "=") {
			frag = query(frag) // #access_token=... of an OAuth redirect
		}
		b.WriteString("#" + frag)
	}
	return b.String()
}

func query(q string) string {
	if q == "" {
		return q
	}
	parts := strings.Split(q, "&")
	for i, p := range parts {
		k, _, ok := strings.Cut(p, "=")
		if !ok {
			continue
		}
		if secretParam(k) {
			parts[i] = k + "=" + Mark
		}
	}
	return strings.Join(parts, "&")
}

func secretParam(k string) bool {
	if u, err := url.QueryUnescape(k); err == nil {
		k = u
	}
	k = strings.ToLower(k)
	if secretParams[k] {
		return true
	}
	for _, w := range secretWords {
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}

var telegramBot = regexp.MustCompile(`^bot[0-9]+:`)

// path hides the credential segments of a webhook's path.
func path(host, p string) string {
	if p == "" {
		return p
	}
	segs := strings.Split(p, "/")
	// segs[0] is "" for an absolute path.
	switch {
	case host == "hooks.slack.com" || strings.HasSuffix(host, ".slack.com") && strings.HasPrefix(host, "hooks"):
		// /services/T…/B…/SECRET, /triggers/T…/…/SECRET,
		// /workflows/T…/A…/…/SECRET: the last segment is the secret.
		if last := lastNonEmpty(segs); last > 2 {
			segs[last] = Mark
		}
		return strings.Join(segs, "/")
	case host == "api.telegram.org":
		for i, s := range segs {
			if telegramBot.MatchString(s) {
				segs[i] = "bot" + Mark
			}
		}
		return strings.Join(segs, "/")
	}
	for i, s := range segs {
		if !hookMarkers[strings.ToLower(s)] {
			continue
		}
		// After the marker, an ID of digits (Discord's) is kept; the
		// rest is the token.
		for j := i + 1; j < len(segs); j++ {
			if segs[j] != "" && !digits(segs[j]) {
				segs[j] = Mark
			}
		}
		break
	}
	return strings.Join(segs, "/")
}

func lastNonEmpty(segs []string) int {
	for i := len(segs) - 1; i >= 0; i-- {
		if segs[i] != "" {
			return i
		}
	}
	return -1
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// inText finds the URLs in a message: a scheme, "://", and everything up
// to a space, a quote or an angle bracket.
var inText = regexp.MustCompile(`[A-Za-z][A-Za-z0-9+.-]*://[^\s"'<>` + "`" + `]+`)

// Text returns s, an error message or a log line, with every URL in it
// passed through URL.
func Text(s string) string {
	if !strings.Contains(s, "://") {
		return s
	}
	return inText.ReplaceAllStringFunc(s, func(m string) string {
		// Punctuation that ends a sentence or a "%s: %v" is not part of
		// the URL.
		trail := len(m)
		for trail > 0 && strings.IndexByte(".,;:)]}!", m[trail-1]) >= 0 {
			trail--
		}
		return URL(m[:trail]) + m[trail:]
	})
}
