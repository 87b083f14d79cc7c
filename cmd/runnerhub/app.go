package main

import (
	"context"
	"fmt"
	"io"

	"github.com/urfave/cli/v3"
)

// configFlag is -c/--config. Flags of a parent command are inherited by its
// subcommands in urfave/cli/v3, so defining it once on the root makes it
// work in every position: `runnerhub -c app.ini serve` and
// `runnerhub serve -c app.ini`.
func configFlag() cli.Flag {
	return &cli.StringFlag{
		Name:      "config",
		Aliases:   []string{"c"},
		Usage:     "path of app.ini (Gitea's keys); without it, defaults and RUNNERHUB__SECTION__KEY variables",
		Sources:   cli.EnvVars("RUNNERHUB_CONFIG"),
		TakesFile: true,
	}
}

// newApp builds the command tree. Each command's Action is a few lines that
// read flags and call a package (runnerhub, services, options).
func newApp(out io.Writer) *cli.Command {
	app := &cli.Command{
		Name:  "runnerhub",
		Usage: "the server side of Gitea Actions runner management",
		Description: "Settings come from app.ini (Gitea's keys) and RUNNERHUB__SECTION__KEY environment\n" +
			"variables; with neither, serve runs on 127.0.0.1:3000 with SQLite under ./data.",
		Version:               versionString(),
		EnableShellCompletion: true,
		Suggest:               true,
		Writer:                out,
		ErrWriter:             out,
		Flags:                 []cli.Flag{configFlag()},
		Commands: []*cli.Command{
			serveCommand(),
			migrateCommand(),
			actionsCommand(),
			adminCommand(),
			configCommand(),
			versionCommand(),
		},
		// main prints the returned error once; urfave must not exit for us.
		ExitErrHandler: func(context.Context, *cli.Command, error) {},
	}
	setUsageErrors(app)
	return app
}

// setUsageErrors makes a wrong flag or a missing required one an error that
// names the command's help, instead of urfave printing the error and the help
// and main printing the error a second time.
func setUsageErrors(c *cli.Command) {
	c.OnUsageError = func(_ context.Context, cmd *cli.Command, err error, _ bool) error {
		return fmt.Errorf("%w (see '%s --help')", err, cmd.FullName())
	}
	for _, sub := range c.Commands {
		setUsageErrors(sub)
	}
}

// unexpectedArgs refuses positional arguments where a command takes none.
func unexpectedArgs(cmd *cli.Command) error {
	if cmd.Args().Len() > 0 {
		return fmt.Errorf("unexpected arguments %q (see '%s --help')", cmd.Args().Slice(), cmd.FullName())
	}
	return nil
}
