package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/urfave/cli/v3"
)

// version is the release, set at link time:
//
//	go build -ldflags "-X main.version=1.2.3" ./cmd/runnerhub
//
// It is written only by the linker, never at run time.
var version = "dev"

// versionString is the version and the commit the binary was built from
// (vcs.revision, recorded by go build inside a git checkout).
func versionString() string {
	commit, modified := "unknown", false
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				commit = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	if modified {
		commit += "-dirty"
	}
	return fmt.Sprintf("%s (commit %s, %s)", version, commit, runtime.Version())
}

func versionCommand() *cli.Command {
	return &cli.Command{
		Name:      "version",
		Usage:     "print the version and the commit this binary was built from",
		UsageText: "runnerhub version",
		Action: func(_ context.Context, cmd *cli.Command) error {
			if err := unexpectedArgs(cmd); err != nil {
				return err
			}
			_, err := fmt.Fprintln(cmd.Root().Writer, "runnerhub version", versionString())
			return err
		},
	}
}
