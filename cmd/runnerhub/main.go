// Command runnerhub runs the Runnerhub server and its admin commands.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `Runnerhub: the server side of Gitea Actions runner management.

Usage:
  runnerhub serve [--config app.ini]
  runnerhub actions generate-runner-token [--config app.ini] [--scope owner[/repo]]
  runnerhub actions runner-group create|list|delete|add-repo|remove-repo|add-manager|remove-manager|generate-token [--org O] ...
  runnerhub migrate [--config app.ini]
  runnerhub admin user create --username U --password P [--email E] [--admin]
  runnerhub admin user generate-access-token --username U [--token-name N]
  runnerhub admin org create --name O --owner U
  runnerhub admin org add-owner --org O --username U
  runnerhub admin repo create --owner O --name R
  runnerhub admin repo add-admin --repo O/R --username U

Settings come from app.ini (Gitea's keys) and RUNNERHUB__SECTION__KEY
environment variables; with neither, serve runs on 127.0.0.1:3000 with
SQLite under ./data.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "runnerhub:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(out, usage)
		return nil
	}
	switch args[0] {
	case "serve", "web":
		return serve(ctx, args[1:], out)
	case "migrate":
		return migrate(ctx, args[1:], out)
	case "admin":
		return admin(ctx, args[1:], out)
	case "actions":
		if len(args) > 1 && args[1] == "generate-runner-token" {
			return generateRunnerToken(ctx, args[2:], out)
		}
		if len(args) > 1 && args[1] == "runner-group" {
			return runnerGroup(ctx, args[2:], out)
		}
	case "help", "-h", "--help":
		fmt.Fprint(out, usage)
		return nil
	}
	return fmt.Errorf("unknown command %q\n\n%s", args, usage)
}
