package actions

import (
	"context"
	"fmt"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/modules/errs"
)

// DeclareInput is what a starting runner says about itself.
type DeclareInput struct {
	Version      string
	Labels       []string
	Capabilities []string
}

// Declare records the runner's current labels, version and capabilities.
func (s *Service) Declare(ctx context.Context, r *actions_model.Runner, in DeclareInput) (*actions_model.Runner, error) {
	if err := s.checkLabels(in.Labels); err != nil {
		return nil, err
	}
	if err := s.checkLabels(in.Capabilities); err != nil {
		return nil, fmt.Errorf("capabilities: %w", err)
	}
	if len(in.Version) > maxVersionLen || !isText(in.Version) {
		return nil, fmt.Errorf("%w: version must be UTF-8 text of at most %d bytes", errs.InvalidArgument, maxVersionLen)
	}
	updated := *r
	updated.Version = in.Version
	updated.SetLabels(in.Labels)
	updated.SetCapabilities(in.Capabilities)
	updated.LastOnline = s.now().Unix()
	if err := actions_model.UpdateRunner(ctx, &updated, "version", "labels", "capabilities", "last_online"); err != nil {
		return nil, err
	}
	s.runners.put(&updated, s.now())
	return &updated, nil
}
