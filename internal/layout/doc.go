// Package layout holds no code: its test keeps the import arrows between
// canarykit's packages running one way (commands -> workflows -> model),
// so that what a reader runs never links what only a publisher needs.
package layout
