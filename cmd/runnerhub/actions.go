package main

import (
	"code.runnerhub.dev/runnerhub/services/identity"
	"context"
	"fmt"
	"io"

	runnerhub "code.runnerhub.dev/runnerhub"
	"code.runnerhub.dev/runnerhub/models/db"
	"code.runnerhub.dev/runnerhub/modules/secret"
	actions_service "code.runnerhub.dev/runnerhub/services/actions"
)

// generateRunnerToken prints the scope's reusable registration token, making
// one if there is none, like Gitea's command of the same name.
func generateRunnerToken(ctx context.Context, args []string, out io.Writer) error {
	fl, cfg := newFlags("generate-runner-token", out)
	scopeFlag := fl.String("scope", "", "owner or owner/repo; the whole instance when empty")
	if err := fl.Parse(args); err != nil {
		return err
	}
	o, x, err := setUp(ctx, *cfg)
	if err != nil {
		return err
	}
	defer x.Close()
	ctx = db.WithEngine(ctx, x)

	rc, err := runnerhub.ConfigFor(x, o)
	if err != nil {
		return err
	}
	scope, err := resolveScope(ctx, rc.Identity, *scopeFlag)
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
