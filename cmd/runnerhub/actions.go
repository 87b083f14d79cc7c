package main

import (
	"context"
	"fmt"
	"io"

	"github.com/urfave/cli/v3"

	runnerhub "code.runnerhub.dev/runnerhub"
	"code.runnerhub.dev/runnerhub/models/db"
	"code.runnerhub.dev/runnerhub/modules/secret"
	actions_service "code.runnerhub.dev/runnerhub/services/actions"
	"code.runnerhub.dev/runnerhub/services/identity"
)

// scopeFlag is --scope as Gitea's actions commands spell it.
func scopeFlag() cli.Flag {
	return &cli.StringFlag{Name: "scope", Usage: "owner or owner/repo; the whole instance when empty"}
}

func actionsCommand() *cli.Command {
	return &cli.Command{
		Name:      "actions",
		Usage:     "manage runners and their registration tokens",
		UsageText: "runnerhub actions command [command options]",
		Commands: append([]*cli.Command{
			{
				Name:      "generate-runner-token",
				Aliases:   []string{"grt"},
				Usage:     "print the scope's reusable registration token, making one if there is none",
				UsageText: "runnerhub actions generate-runner-token [-c app.ini] [--scope owner[/repo]]",
				Flags:     []cli.Flag{scopeFlag()},
				Action: func(ctx context.Context, cmd *cli.Command) error {
					if err := unexpectedArgs(cmd); err != nil {
						return err
					}
					return generateRunnerToken(ctx, cmd.String("config"), cmd.String("scope"), cmd.Root().Writer)
				},
			},
			runnerGroupCommand(),
		}, actionsAdminCommands()...),
	}
}

// generateRunnerToken prints the scope's reusable registration token, making
// one if there is none, like Gitea's command of the same name.
func generateRunnerToken(ctx context.Context, cfg, scopeRef string, out io.Writer) error {
	o, x, err := setUp(ctx, cfg)
	if err != nil {
		return err
	}
	defer x.Close()
	ctx = db.WithEngine(ctx, x)

	rc, err := runnerhub.ConfigFor(x, o)
	if err != nil {
		return err
	}
	scope, err := resolveScope(ctx, rc.Identity, scopeRef)
	if err != nil {
		return err
	}
	box, err := secret.NewBox(o.Security.SecretKey)
	if err != nil {
		return err
	}
	token, err := actions_service.New(o, box).DefaultRegistrationToken(ctx, scope)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, token)
	return nil
}

// resolveScope reads --scope: "" for the instance, owner or owner/repo.
func resolveScope(ctx context.Context, p identity.Provider, s string) (identity.Scope, error) {
	ref, err := identity.ParseScopeRef(s)
	if err != nil {
		return identity.Scope{}, err
	}
	if p == nil {
		p = identity.NewStandalone()
	}
	return identity.ResolveScope(ctx, p, ref)
}
