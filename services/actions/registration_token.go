package actions

import (
	"code.runnerhub.dev/runnerhub/services/identity"
	"context"
	"errors"
	"fmt"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/models/db"
	"code.runnerhub.dev/runnerhub/modules/secret"
)

// DefaultRegistrationToken returns the scope's reusable token, creating one
// when there is none, as Gitea's registration-token endpoint does.
func (s *Service) DefaultRegistrationToken(ctx context.Context, sc identity.Scope) (string, error) {
	var token string
	err := db.WithTx(ctx, func(ctx context.Context) error {
		t, err := actions_model.GetDefaultRunnerToken(ctx, sc.OwnerID(), sc.RepoID())
		if err == nil {
			token, err = s.box.Open(t.TokenCipher)
			if err != nil {
				return fmt.Errorf("default registration token of this scope: %w (was SECRET_KEY changed? reset the token)", err)
			}
			return nil
		}
		if !errors.Is(err, db.ErrNotExist) {
			return err
		}
		token, err = s.createDefaultToken(ctx, sc, secret.NewToken(), AuditTokenCreated)
		return err
	})
	return token, err
}

// ResetRegistrationToken replaces the scope's reusable token; the old one
// stops working at once.
func (s *Service) ResetRegistrationToken(ctx context.Context, sc identity.Scope) (string, error) {
	var token string
	err := db.WithTx(ctx, func(ctx context.Context) error {
		if err := actions_model.DeleteDefaultRunnerTokens(ctx, sc.OwnerID(), sc.RepoID(), s.now().Unix()); err != nil {
			return err
		}
		var err error
		token, err = s.createDefaultToken(ctx, sc, secret.NewToken(), AuditTokenReset)
		return err
	})
	return token, err
}

// SeedRegistrationToken makes token the instance's reusable token, as
// GITEA_RUNNER_REGISTRATION_TOKEN does at start-up. Seeding the same token
// again changes nothing.
func (s *Service) SeedRegistrationToken(ctx context.Context, token string) error {
	if len(token) < 32 {
		return errors.New("the seeded registration token must be at least 32 characters")
	}
	return db.WithTx(ctx, func(ctx context.Context) error {
		if t, err := actions_model.GetDefaultRunnerToken(ctx, 0, 0); err == nil && secret.Matches(token, t.TokenHash) {
			return nil
		} else if err != nil && !errors.Is(err, db.ErrNotExist) {
			return err
		}
		if existing, err := actions_model.GetRunnerTokenByHash(ctx, secret.Hash(token)); err == nil {
			return fmt.Errorf("the seeded registration token was used before (token %d) and is not reused", existing.ID)
		}
		if err := actions_model.DeleteDefaultRunnerTokens(ctx, 0, 0, s.now().Unix()); err != nil {
			return err
		}
		_, err := s.createDefaultToken(ctx, identity.InstanceScope, token, AuditTokenCreated)
		return err
	})
}

func (s *Service) createDefaultToken(ctx context.Context, sc identity.Scope, token, auditAction string) (string, error) {
	t := &actions_model.RunnerToken{
		Name:        "default",
		TokenHash:   secret.Hash(token),
		TokenCipher: s.box.Seal(token),
		OwnerID:     sc.OwnerID(),
		RepoID:      sc.RepoID(),
		IsDefault:   true,
	}
	if err := actions_model.CreateRunnerToken(ctx, t); err != nil {
		return "", err
	}
	return token, s.auditToken(ctx, t, auditAction)
}
