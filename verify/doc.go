// Package verify decides whether a canary can be trusted: that it is
// authentic, fresh, and unchanged since the last one the reader trusted.
// Every decision is a named check with a status, so that a verdict can be
// explained in one line and audited in full.
//
// Verify takes the canary as published (a clearsigned block, or a text
// and its detached signatures in Options.Signatures) and the reader's
// keys, and returns a Result. It fails closed: anything it cannot check
// makes the verdict worse, never better, and a Result is OK only when
// every check is. Options.At fixes the moment of judgement, so that a
// verdict can be reproduced later (and tested) whatever today's date.
//
// # Stability
//
// canarykit is before 1.0, and no Go API is promised yet: a minor release
// may rename or move anything in this package, and its release notes will
// say so. What is meant to stay: Verify and Options; the Result's Status,
// with the four statuses and their exit codes in canary verify (OK 0,
// WARNING 1, CRITICAL 2, UNKNOWN 3) and their ranking when checks are
// combined (Worse: OK, WARNING, UNKNOWN, CRITICAL); the JSON form
// WriteJSON writes, which is the canary verify --format json output that
// scripts read; and the names of the checks.
//
// Not promised: the wording of Summary and of each check's message, which
// are written for people (match on Status and check names, not on text);
// the text layout of WriteText; which checks are notes (INFO) rather than
// findings; and the helpers beside Verify (page judging, neighbour files,
// free-text parsing), which may move into other packages.
package verify
