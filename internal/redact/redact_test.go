package redact

import (
	"strings"
	"testing"
)

func TestURL(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		// Nothing secret: unchanged.
		{"https://example.org/canary.txt", "https://example.org/canary.txt"},
		{"https://example.org/a/b?x=1&y=2#top", "https://example.org/a/b?x=1&y=2#top"},
		{"http://127.0.0.1:8080/", "http://127.0.0.1:8080/"},
		{"/var/lib/canary.txt", "/var/lib/canary.txt"},
		{"canary.txt", "canary.txt"},
		{"", ""},
		// Userinfo.
		{"https://alice:s3cret@example.org/canary.txt", "https://alice:REDACTED@example.org/canary.txt"},
		{"https://ghp_TOKEN123@example.org/x", "https://REDACTED@example.org/x"},
		{"https://alice:@example.org/", "https://alice:REDACTED@example.org/"},
		{"http://u:p%40ss@[::1]:9/x", "http://u:REDACTED@[::1]:9/x"},
		// Chat webhooks.
		{"https://hooks.slack.com/services/T0001/B0002/XXXXSECRETXXXX", "https://hooks.slack.com/services/T0001/B0002/REDACTED"},
		{"https://hooks.slack.com/triggers/T0001/123/abcdefSECRET", "https://hooks.slack.com/triggers/T0001/123/REDACTED"},
		{"https://discord.com/api/webhooks/123456789/ToKeN-secret_x", "https://discord.com/api/webhooks/123456789/REDACTED"},
		{"https://discordapp.com/api/webhooks/123/TOKEN/slack", "https://discordapp.com/api/webhooks/123/REDACTED/REDACTED"},
		{"https://chat.example.org/hooks/abcdefKEY", "https://chat.example.org/hooks/REDACTED"},
		{"https://api.telegram.org/bot123456:AAE-secret/sendMessage", "https://api.telegram.org/botREDACTED/sendMessage"},
		// Query values.
		{"https://ntfy.sh/mytopic?auth=QmFzaWMgdXNlcjpwYXNz", "https://ntfy.sh/mytopic?auth=REDACTED"},
		{"https://example.org/hook?token=abc&room=ops", "https://example.org/hook?token=REDACTED&room=ops"},
		{"https://example.org/hook?room=ops&key=abc", "https://example.org/hook?room=ops&key=REDACTED"},
		{"https://example.org/hook?access_token=abc", "https://example.org/hook?access_token=REDACTED"},
		{"https://example.org/hook?secret=abc&password=def&sig=ghi", "https://example.org/hook?secret=REDACTED&password=REDACTED&sig=REDACTED"},
		{"https://example.org/hook?Token=abc", "https://example.org/hook?Token=REDACTED"},
		{"https://example.org/hook?x_api_key=abc&X-Amz-Signature=def", "https://example.org/hook?x_api_key=REDACTED&X-Amz-Signature=REDACTED"},
		{"https://example.org/cb#access_token=abc&state=1", "https://example.org/cb#access_token=REDACTED&state=1"},
		// All at once.
		{"https://u:p@hooks.slack.com/services/T/B/S?token=t", "https://u:REDACTED@hooks.slack.com/services/T/B/REDACTED?token=REDACTED"},
		// Not parsable as a URL: redacted all the same.
		{"https://u:p@exa mple.org/%zz", "https://u:REDACTED@exa mple.org/%zz"},
		{"http://bad host/hooks/SECRET?token=x", "http://bad host/hooks/REDACTED?token=REDACTED"},
		{"mailto:ops@example.org", "mailto:ops@example.org"},
		{"https://u:p@h:x/y", "https://u:REDACTED@h:x/y"},
	} {
		if got := URL(c.in); got != c.want {
			t.Errorf("URL(%q)\n got %q\nwant %q", c.in, got, c.want)
		}
		if again := URL(c.want); again != c.want {
			t.Errorf("URL(%q) = %q: not idempotent", c.want, again)
		}
	}
}

func TestText(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"no URL here", "no URL here"},
		{`webhook https://hooks.slack.com/services/T/B/SEKRIT: Post "https://hooks.slack.com/services/T/B/SEKRIT": dial tcp: refused`,
			`webhook https://hooks.slack.com/services/T/B/REDACTED: Post "https://hooks.slack.com/services/T/B/REDACTED": dial tcp: refused`},
		{"https://alice:pw@example.org/c.txt answered 404 Not Found", "https://alice:REDACTED@example.org/c.txt answered 404 Not Found"},
		{"fetching https://example.org/c.txt?key=K1. Try again", "fetching https://example.org/c.txt?key=REDACTED. Try again"},
		{"(see https://discord.com/api/webhooks/1/TOK)", "(see https://discord.com/api/webhooks/1/REDACTED)"},
		{"<https://x.org/?token=a>", "<https://x.org/?token=REDACTED>"},
	} {
		if got := Text(c.in); got != c.want {
			t.Errorf("Text(%q)\n got %q\nwant %q", c.in, got, c.want)
		}
	}
}

// No secret survives, whatever the rest of the message.
func TestNoSecretLeft(t *testing.T) {
	for _, u := range []string{
		"https://user:SECRET@h/", "https://h/hooks/SECRET", "https://h/?token=SECRET", "https://hooks.slack.com/services/T/B/SECRET",
		"https://h/api/webhooks/9/SECRET", "https://h/?password=SECRET&x=1", "https://h/?sig=SECRET#f",
	} {
		for _, s := range []string{u, "error: " + u + ": failed", `Get "` + u + `": EOF`, u + "."} {
			if got := Text(s); strings.Contains(got, "SECRET") {
				t.Errorf("Text(%q) = %q", s, got)
			}
		}
	}
}
