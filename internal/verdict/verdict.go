// Package verdict is the vocabulary every part of canarykit shares for
// what it found: a Status and its order, a named Check, and the one rule
// by which text from a canary, a key, a fetched page or a watch list is
// shown to a person (Display, Writer, JSONWriter). It is a leaf: it
// imports only the standard library, so that the watchdog's store, its
// alerts and its metrics can speak of statuses without importing verify.
package verdict

import (
	"encoding/json"
	"fmt"
)

// A Status follows the monitoring-plugin convention, so that its value is
// also the exit code cron and Nagios-style monitors understand.
type Status int

const (
	OK       Status = 0
	Warning  Status = 1
	Critical Status = 2
	Unknown  Status = 3
)

func (s Status) String() string {
	switch s {
	case OK:
		return "OK"
	case Warning:
		return "WARNING"
	case Critical:
		return "CRITICAL"
	}
	return "UNKNOWN"
}

// MarshalJSON writes the status's name as a JSON string. The names need
// no escaping, so they are written directly: a verdict has a status per
// check, and a nested json.Marshal for each was a fifth of writing one.
func (s Status) MarshalJSON() ([]byte, error) {
	return append(append([]byte{'"'}, s.String()...), '"'), nil
}

func (s *Status) UnmarshalJSON(b []byte) error {
	var v string
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	for _, c := range []Status{OK, Warning, Critical, Unknown} {
		if c.String() == v {
			*s = c
			return nil
		}
	}
	if v == "INFO" {
		// A note's label (Check.Label): its status is OK. Check's own
		// UnmarshalJSON keeps that it is a note.
		*s = OK
		return nil
	}
	return fmt.Errorf("unknown status %q", v)
}

// severity orders statuses for the overall verdict. A proven problem
// (CRITICAL) outranks not knowing (UNKNOWN), which outranks a warning:
// when part of a canary could not be checked, the verdict must not read
// as a mere warning.
func (s Status) severity() int {
	if s < OK || s > Unknown {
		return 2 // as UNKNOWN, which String names it
	}
	return [...]int{OK: 0, Warning: 1, Unknown: 2, Critical: 3}[s]
}

// Worse returns the more severe of a and b.
func Worse(a, b Status) Status {
	if b.severity() > a.severity() {
		return b
	}
	return a
}

// A Check is one named test and its outcome.
//
// A check that only informs (where the canary was fetched from, that no
// proof of its signing time was found) has Info set: it is labelled INFO,
// not OK, in text and JSON (Label), and its Status stays OK, so that it
// can never change a verdict, for Verify or any caller that compares
// statuses. Build one with Note.
type Check struct {
	Name    string `json:"name"`
	Status  Status `json:"status"`
	Info    bool   `json:"-"`
	Message string `json:"message"`
}

// Note is a check that only informs: labelled INFO, it never changes a
// verdict (its Status is OK). Use it for what is worth knowing but is no
// finding: where the canary came from, a file that could not be fetched
// and so was not used, the absence of a proof.
func Note(name, msg string) Check {
	return Check{Name: name, Status: OK, Info: true, Message: msg}
}

// Label is the word shown beside the check: INFO for a note, else its
// status.
func (c Check) Label() string {
	if c.Info {
		return "INFO"
	}
	return c.Status.String()
}

// checkJSON is Check with its status as the string Label writes.
type checkJSON struct {
	Name    string `json:"name"`
	Status  string `json:"status"`
	Message string `json:"message"`
}

// MarshalJSON writes the check with its Label as status, so that a note
// reads "INFO" in JSON as in text.
func (c Check) MarshalJSON() ([]byte, error) {
	return json.Marshal(checkJSON{Name: c.Name, Status: c.Label(), Message: c.Message})
}

// UnmarshalJSON reads what MarshalJSON writes: "INFO" is a note (status
// OK, Info set).
func (c *Check) UnmarshalJSON(b []byte) error {
	var v struct {
		Name    string          `json:"name"`
		Status  json.RawMessage `json:"status"`
		Message string          `json:"message"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*c = Check{Name: v.Name, Message: v.Message}
	if string(v.Status) == `"INFO"` {
		c.Status, c.Info = OK, true
		return nil
	}
	return c.Status.UnmarshalJSON(v.Status)
}
