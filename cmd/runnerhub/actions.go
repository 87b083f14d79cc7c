package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"code.runnerhub.dev/runnerhub/models/db"
	repo_model "code.runnerhub.dev/runnerhub/models/repo"
	user_model "code.runnerhub.dev/runnerhub/models/user"
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

	scope, err := resolveScope(ctx, *scopeFlag)
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

func resolveScope(ctx context.Context, s string) (actions_service.Scope, error) {
	if s == "" {
		return actions_service.Scope{}, nil
	}
	ownerName, repoName, hasRepo := strings.Cut(s, "/")
	owner, err := user_model.GetUserByName(ctx, ownerName)
	if err != nil {
		return actions_service.Scope{}, fmt.Errorf("scope %q: %w", s, err)
	}
	if !hasRepo {
		return actions_service.Scope{OwnerID: owner.ID}, nil
	}
	repo, err := repo_model.GetRepositoryByName(ctx, owner.ID, repoName)
	if err != nil {
		return actions_service.Scope{}, fmt.Errorf("scope %q: %w", s, err)
	}
	return actions_service.Scope{OwnerID: owner.ID, RepoID: repo.ID}, nil
}
