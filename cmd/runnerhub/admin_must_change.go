package main

import (
	"context"
	"fmt"
	"io"

	"github.com/urfave/cli/v3"

	"code.runnerhub.dev/runnerhub/services/identity"
)

// mustChangePasswordCommand is Gitea's `admin user must-change-password`:
// users named as arguments, or --all but the --exclude'd, must change their
// password at their next web sign-in (--unset lifts that).
func mustChangePasswordCommand() *cli.Command {
	return &cli.Command{
		Name:      "must-change-password",
		Usage:     "make users change their password at their next web sign-in (or, with --unset, no longer)",
		UsageText: "runnerhub admin user must-change-password [--all] [--exclude USER]... [--unset] [USER...]",
		Description: "Their access tokens keep working; their password opens only the page that changes it,\n" +
			"on the web and on the API, until they have.",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "all", Aliases: []string{"A"}, Usage: "every user, but those given with --exclude"},
			&cli.StringSliceFlag{Name: "exclude", Aliases: []string{"e"}, Usage: "leave this user alone (with --all; repeatable)"},
			&cli.BoolFlag{Name: "unset", Usage: "clear the flag instead of setting it"},
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			in := identity.MustChangePasswordInput{
				Names: cmd.Args().Slice(), All: cmd.Bool("all"), Exclude: cmd.StringSlice("exclude"), Unset: cmd.Bool("unset"),
			}
			switch {
			case !in.All && len(in.Names) == 0:
				return fmt.Errorf("name users or give --all (see '%s --help')", cmd.FullName())
			case in.All && len(in.Names) > 0:
				return fmt.Errorf("name users or give --all, not both (see '%s --help')", cmd.FullName())
			}
			return adminDo(ctx, cmd.String("config"), func(ctx context.Context, acc identity.Standalone, _ adminFlags, out io.Writer) error {
				n, err := acc.SetMustChangePassword(ctx, in)
				if err != nil {
					return err
				}
				fmt.Fprintf(out, "updated %d users: must change password is now %t\n", n, !in.Unset)
				return nil
			}, nil, cmd.Root().Writer)
		},
	}
}
