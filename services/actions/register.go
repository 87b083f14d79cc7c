package actions

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/models/db"
	"code.runnerhub.dev/runnerhub/modules/errs"
	"code.runnerhub.dev/runnerhub/modules/secret"
)

// RegisterInput is what a runner sends to register.
type RegisterInput struct {
	Name              string
	RegistrationToken string
	Version           string
	Labels            []string
	Ephemeral         bool
	Capabilities      []string
}

// Registered is a new runner and its token, which is shown only this once.
type Registered struct {
	Runner *actions_model.Runner
	Token  string
}

const (
	maxNameLen    = 255
	maxLabelLen   = 255
	maxVersionLen = 64
)

// Register creates a runner in the scope of the registration token.
func (s *Service) Register(ctx context.Context, in RegisterInput) (*Registered, error) {
	if err := checkName(in.Name); err != nil {
		return nil, err
	}
	if err := s.checkLabels(in.Labels); err != nil {
		return nil, err
	}
	if len(in.Version) > maxVersionLen || !isText(in.Version) {
		return nil, fmt.Errorf("%w: version must be UTF-8 text of at most %d bytes", errs.InvalidArgument, maxVersionLen)
	}
	if err := s.checkLabels(in.Capabilities); err != nil {
		return nil, fmt.Errorf("capabilities: %w", err)
	}
	token := secret.NewToken()
	r := &actions_model.Runner{
		UUID:      uuid.NewString(),
		Name:      in.Name,
		Version:   in.Version,
		TokenHash: secret.Hash(token),
		Ephemeral: in.Ephemeral,
	}
	r.SetLabels(in.Labels)
	r.SetCapabilities(in.Capabilities)
	err := db.WithTx(ctx, func(ctx context.Context) error {
		rt, err := s.usableRegistrationToken(ctx, in.RegistrationToken)
		if err != nil {
			return err
		}
		if ok, err := actions_model.UseRunnerToken(ctx, rt); err != nil {
			return err
		} else if !ok {
			return fmt.Errorf("%w: registration token is used up or was just disabled", errs.Unauthenticated)
		}
		r.OwnerID, r.RepoID, r.RegistrationTokenID = rt.OwnerID, rt.RepoID, rt.ID
		if r.RunnerGroupID, err = registrationGroup(ctx, rt); err != nil {
			return err
		}
		r.LastOnline = s.now().Unix()
		if err := actions_model.CreateRunner(ctx, r); err != nil {
			return err
		}
		return s.auditRunner(ctx, r, AuditRunnerRegister, registeredDetail(rt, r))
	})
	if err != nil {
		return nil, err
	}
	return &Registered{Runner: r, Token: token}, nil
}

// usableRegistrationToken finds the token and says precisely why it cannot
// be used when it cannot.
func (s *Service) usableRegistrationToken(ctx context.Context, token string) (*actions_model.RunnerToken, error) {
	if token == "" {
		return nil, fmt.Errorf("%w: registration token is required", errs.Unauthenticated)
	}
	rt, err := actions_model.GetRunnerTokenByHash(ctx, secret.Hash(token))
	if errors.Is(err, db.ErrNotExist) {
		return nil, fmt.Errorf("%w: registration token is unknown", errs.Unauthenticated)
	}
	if err != nil {
		return nil, err
	}
	switch {
	case rt.Deleted != 0:
		return nil, fmt.Errorf("%w: registration token was deleted or reset", errs.Unauthenticated)
	case rt.Disabled:
		return nil, fmt.Errorf("%w: registration token is disabled", errs.Unauthenticated)
	case rt.ExpiresUnix != 0 && s.now().Unix() >= rt.ExpiresUnix:
		return nil, fmt.Errorf("%w: registration token has expired", errs.Unauthenticated)
	case rt.MaxUses != 0 && rt.Uses >= rt.MaxUses:
		return nil, fmt.Errorf("%w: registration token is used up (%d of %d uses)", errs.Unauthenticated, rt.Uses, rt.MaxUses)
	}
	return rt, nil
}

func checkName(name string) error {
	switch {
	case strings.TrimSpace(name) == "":
		return fmt.Errorf("%w: runner name is empty", errs.InvalidArgument)
	case len(name) > maxNameLen:
		return fmt.Errorf("%w: runner name is longer than %d bytes", errs.InvalidArgument, maxNameLen)
	case !isText(name):
		return fmt.Errorf("%w: runner name is not UTF-8 text (or holds a NUL character)", errs.InvalidArgument)
	}
	return nil
}

// checkLabels accepts labels of any content (they are escaped wherever they
// are shown) within size limits.
func (s *Service) checkLabels(labels []string) error {
	if len(labels) > s.opts.MaxLabels {
		return fmt.Errorf("%w: %d labels, at most %d are allowed", errs.InvalidArgument, len(labels), s.opts.MaxLabels)
	}
	for i, l := range labels {
		name, _, _ := strings.Cut(l, ":")
		switch {
		case strings.TrimSpace(name) == "":
			return fmt.Errorf("%w: label %d has an empty name", errs.InvalidArgument, i)
		case len(l) > maxLabelLen:
			return fmt.Errorf("%w: label %d is longer than %d bytes", errs.InvalidArgument, i, maxLabelLen)
		case !isText(l):
			return fmt.Errorf("%w: label %d is not UTF-8 text (or holds a NUL character)", errs.InvalidArgument, i)
		}
	}
	return nil
}

// registrationGroup is the runner group a new runner joins: the token's
// group for a group's token, else its scope's default group; a repository
// runner joins none.
func registrationGroup(ctx context.Context, rt *actions_model.RunnerToken) (int64, error) {
	switch {
	case rt.RunnerGroupID != 0:
		g, err := actions_model.GetRunnerGroupByID(ctx, rt.RunnerGroupID)
		if errors.Is(err, db.ErrNotExist) {
			return 0, fmt.Errorf("%w: the registration token's runner group was deleted", errs.Unauthenticated)
		}
		if err != nil {
			return 0, err
		}
		return g.ID, nil
	case rt.RepoID != 0:
		return 0, nil
	}
	g, err := actions_model.EnsureDefaultRunnerGroup(ctx, rt.OwnerID)
	if err != nil {
		return 0, err
	}
	return g.ID, nil
}
