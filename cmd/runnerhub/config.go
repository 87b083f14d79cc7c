package main

import (
	"context"
	"fmt"
	"os"

	"github.com/urfave/cli/v3"

	"code.runnerhub.dev/runnerhub/options"
)

func configCommand() *cli.Command {
	return &cli.Command{
		Name:      "config",
		Usage:     "inspect the configuration",
		UsageText: "runnerhub config command [-c app.ini]",
		Commands: []*cli.Command{
			{
				Name:      "check",
				Usage:     "print the effective configuration (secrets hidden) and every problem; exit 1 on any",
				UsageText: "runnerhub config check [-c app.ini]",
				Description: "Each key shows its value and where it came from: default, app.ini or the\n" +
					"RUNNERHUB__SECTION__KEY variable. Problems are unknown sections, keys and\n" +
					"variables (with the closest known name) and values that do not convert or validate.",
				Action: func(_ context.Context, cmd *cli.Command) error {
					if err := unexpectedArgs(cmd); err != nil {
						return err
					}
					r, err := options.Inspect(cmd.String("config"), os.Environ())
					if err != nil {
						return err
					}
					if err := r.Write(cmd.Root().Writer); err != nil {
						return err
					}
					if n := len(r.Problems()); n > 0 {
						return fmt.Errorf("%w: %d", options.ErrProblems, n)
					}
					return nil
				},
			},
		},
	}
}
