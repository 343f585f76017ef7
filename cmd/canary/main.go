// Command canary issues, signs and verifies warrant canaries.
package main

import "os"

func main() {
	os.Exit(run(os.Args[1:], systemStreams()))
}
