package kmstest

import (
	"context"
	"fmt"
	"os"

	"github.com/sigstore/sigstore/pkg/signature/kms/cliplugin/handler"
)

// PluginMain is the main of a sigstore KMS plugin program
// (sigstore-kms-NAME, sigstore's cliplugin protocol) holding the stand-in
// keys: run as sigstore-kms-NAME, it signs for NAME://ecdsa-p256 and the
// other keys above, so that tests reach a KMS the way a real plugin is
// reached, through kms.Get in canary-kms. It returns the exit code.
func PluginMain() int {
	args, err := handler.GetPluginArgs(os.Args)
	if err != nil {
		handler.WriteErrorResponse(os.Stdout, err)
		return 1
	}
	sv, err := open(context.Background(), args.InitOptions.KeyResourceID, args.InitOptions.HashFunc)
	if err != nil {
		handler.WriteErrorResponse(os.Stdout, err)
		return 1
	}
	if _, err := handler.Dispatch(os.Stdout, os.Stdin, args, sv); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}
