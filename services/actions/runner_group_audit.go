package actions

import (
	"context"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
)

// What the audit log records of runner groups, by action. The group's own
// registration token is recorded as the other tokens are.
const (
	AuditGroupCreated        = "runner_group.created"
	AuditGroupUpdated        = "runner_group.updated"
	AuditGroupDeleted        = "runner_group.deleted"
	AuditGroupTargetsSet     = "runner_group.targets_set"
	AuditGroupTargetAdded    = "runner_group.target_added"
	AuditGroupTargetRemoved  = "runner_group.target_removed"
	AuditGroupRunnerAdded    = "runner_group.runner_added"
	AuditGroupRunnerRemoved  = "runner_group.runner_removed"
	AuditGroupRunnersSet     = "runner_group.runners_set"
	AuditGroupManagerAdded   = "runner_group.manager_added"
	AuditGroupManagerRemoved = "runner_group.manager_removed"
	auditTargetGroup         = "runner_group"
)

// auditGroup records a change to a group in the scope it belongs to.
func (s *Service) auditGroup(ctx context.Context, g *actions_model.RunnerGroup, action, detail string) error {
	return s.audit(ctx, g.OwnerID, 0, action, auditTargetGroup, g.ID, g.Name, detail)
}
