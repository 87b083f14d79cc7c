package actions

import (
	"code.runnerhub.dev/runnerhub/services/identity"
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/models/db"
	"code.runnerhub.dev/runnerhub/modules/errs"
	"code.runnerhub.dev/runnerhub/modules/secret"
)

// NamedTokenInput describes a registration token made on purpose, beside
// the scope's reusable default: it has a name and may expire or be capped.
type NamedTokenInput struct {
	Name        string
	Description string
	ExpiresUnix int64 // 0: never
	MaxUses     int64 // 0: unlimited
	CreatedBy   int64 // the user's id, for the record
}

const maxTokenDescriptionLen = 1000

// CreateRegistrationToken makes a named token in the scope. The token is
// returned this once; only its hash is kept.
func (s *Service) CreateRegistrationToken(ctx context.Context, sc identity.Scope, in NamedTokenInput) (*actions_model.RunnerToken, string, error) {
	in.Name = strings.TrimSpace(in.Name)
	switch {
	case in.Name == "" || len(in.Name) > 255 || !utf8.ValidString(in.Name):
		return nil, "", fmt.Errorf("%w: token name must be 1 to 255 characters of UTF-8", errs.InvalidArgument)
	case len(in.Description) > maxTokenDescriptionLen || !utf8.ValidString(in.Description):
		return nil, "", fmt.Errorf("%w: token description must be at most %d characters of UTF-8", errs.InvalidArgument, maxTokenDescriptionLen)
	case in.ExpiresUnix < 0 || (in.ExpiresUnix != 0 && in.ExpiresUnix <= s.now().Unix()):
		return nil, "", fmt.Errorf("%w: token expiry must be in the future", errs.InvalidArgument)
	case in.MaxUses < 0:
		return nil, "", fmt.Errorf("%w: max uses must not be negative (0 means unlimited)", errs.InvalidArgument)
	}
	token := secret.NewToken()
	t := &actions_model.RunnerToken{
		Name:        in.Name,
		Description: in.Description,
		TokenHash:   secret.Hash(token),
		OwnerID:     sc.OwnerID(),
		RepoID:      sc.RepoID(),
		ExpiresUnix: in.ExpiresUnix,
		MaxUses:     in.MaxUses,
		CreatedBy:   in.CreatedBy,
	}
	err := db.WithTx(ctx, func(ctx context.Context) error {
		n, err := actions_model.CountLiveRunnerTokensByName(ctx, sc.OwnerID(), sc.RepoID(), in.Name)
		if err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("%w: a registration token named %q exists in this scope", errs.AlreadyExists, in.Name)
		}
		if err := actions_model.CreateRunnerToken(ctx, t); err != nil {
			return err
		}
		return s.auditToken(ctx, t, AuditTokenCreated)
	})
	if err != nil {
		return nil, "", err
	}
	return t, token, nil
}

// ListRegistrationTokens returns the scope's live tokens, the default one
// included, newest first.
func (s *Service) ListRegistrationTokens(ctx context.Context, sc identity.Scope, page db.Page) ([]*actions_model.RunnerToken, int64, error) {
	return actions_model.FindRunnerTokens(ctx, sc.OwnerID(), sc.RepoID(), page)
}

// GetRegistrationToken returns one of the scope's live tokens; a token of
// another scope is NotFound, so scopes learn nothing of each other.
func (s *Service) GetRegistrationToken(ctx context.Context, sc identity.Scope, id int64) (*actions_model.RunnerToken, error) {
	t, err := actions_model.GetRunnerTokenByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if t.OwnerID != sc.OwnerID() || t.RepoID != sc.RepoID() || t.RunnerGroupID != 0 { // a group's token is the group's
		return nil, fmt.Errorf("registration token %d: %w", id, errs.NotFound)
	}
	return t, nil
}

// SetRegistrationTokenDisabled disables or enables one of the scope's tokens;
// a disabled token is refused at Register until enabled again.
func (s *Service) SetRegistrationTokenDisabled(ctx context.Context, sc identity.Scope, id int64, disabled bool) (*actions_model.RunnerToken, error) {
	var t *actions_model.RunnerToken
	err := db.WithTx(ctx, func(ctx context.Context) error {
		var err error
		if t, err = s.GetRegistrationToken(ctx, sc, id); err != nil {
			return err
		}
		t.Disabled = disabled
		if err := actions_model.SetRunnerTokenDisabled(ctx, id, disabled); err != nil {
			return err
		}
		return s.auditToken(ctx, t, map[bool]string{true: AuditTokenDisabled, false: AuditTokenEnabled}[disabled])
	})
	return t, err
}

// DeleteRegistrationToken removes one of the scope's tokens for good.
func (s *Service) DeleteRegistrationToken(ctx context.Context, sc identity.Scope, id int64) error {
	return db.WithTx(ctx, func(ctx context.Context) error {
		t, err := s.GetRegistrationToken(ctx, sc, id)
		if err != nil {
			return err
		}
		if err := actions_model.DeleteRunnerToken(ctx, id, s.now().Unix()); err != nil {
			return err
		}
		return s.auditToken(ctx, t, AuditTokenDeleted)
	})
}

// TokenState says whether a token can register a runner now, and if not why:
// "active", "disabled", "expired" or "used up".
func (s *Service) TokenState(t *actions_model.RunnerToken) string {
	switch {
	case t.Disabled:
		return "disabled"
	case t.ExpiresUnix != 0 && s.now().Unix() >= t.ExpiresUnix:
		return "expired"
	case t.MaxUses != 0 && t.Uses >= t.MaxUses:
		return "used up"
	}
	return "active"
}
