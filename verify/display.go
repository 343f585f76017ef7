package verify

// Display makes s safe to show to a person, visibly: control characters,
// invisible and direction-changing characters, and bytes that are not
// UTF-8 are written as escapes (\x1b, \u202E, \xff); everything else as
// it is, tabs included, so nothing is dropped. It is the one rule for
// text that comes from a canary, a key or a fetched page, wherever it is
// shown: WriteText uses it for the terminal, the watchdog's dashboard for
// its pages (which then escape it as HTML). A line break is escaped too:
// show a text of many lines a line at a time (docs/SECURITY.md).
func Display(s string) string { return display(s) }
