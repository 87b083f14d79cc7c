package actions

import (
	"code.runnerhub.dev/runnerhub/services/identity"
	"context"
	"fmt"
	"net"
	"unicode/utf8"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
)

// What the audit log records, by action.
const (
	AuditTokenCreated     = "registration_token.created"
	AuditTokenReset       = "registration_token.reset"
	AuditTokenDisabled    = "registration_token.disabled"
	AuditTokenEnabled     = "registration_token.enabled"
	AuditTokenDeleted     = "registration_token.deleted"
	AuditRunnerRegister   = "runner.registered"
	AuditRunnerDisabled   = "runner.disabled"
	AuditRunnerEnabled    = "runner.enabled"
	AuditRunnerDeleted    = "runner.deleted"
	AuditRunnerDereg      = "runner.deregistered"
	AuditRunnerRetired    = "runner.retired"              // an ephemeral runner after its job
	AuditRunnerJITCreated = "runner.jit_config_generated" // made by the server, config handed out
	auditTargetToken      = "registration_token"
	auditTargetRunner     = "runner"
	maxAuditActorNameLen  = 255
)

// Actor is who asks for a change, as the routers learn it: a signed-in
// user, a runner acting on itself, or the server's own work.
type Actor struct {
	UserID     int64
	RunnerID   int64  // set when a runner calls about itself
	Name       string // as the log shows it
	RemoteAddr string // the client address (host, or host:port) of the caller
}

type actorKey struct{}

// WithActor tells the services who is behind the calls made with ctx.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// actorFrom returns the actor of ctx; without one, the change is the
// server's own (start-up, maintenance).
func actorFrom(ctx context.Context) Actor {
	a, ok := ctx.Value(actorKey{}).(Actor)
	if !ok || a.Name == "" && a.UserID == 0 && a.RunnerID == 0 {
		a.Name = "system"
	}
	return a
}

// audit records a change in the transaction that makes it, so the log and
// the change commit or roll back together.
func (s *Service) audit(ctx context.Context, ownerID, repoID int64, action, targetType string, targetID int64, targetName, detail string) error {
	a := actorFrom(ctx)
	return actions_model.CreateAuditEvent(ctx, &actions_model.AuditEvent{
		OwnerID: ownerID, RepoID: repoID,
		ActorID: a.UserID, Actor: truncateText(a.Name, maxAuditActorNameLen),
		Action: action, TargetType: targetType, TargetID: targetID, TargetName: truncateText(targetName, 255),
		Detail: detail, RemoteAddr: hostOf(a.RemoteAddr), Created: s.now().Unix(),
	})
}

func (s *Service) auditToken(ctx context.Context, t *actions_model.RunnerToken, action string) error {
	return s.audit(ctx, t.OwnerID, t.RepoID, action, auditTargetToken, t.ID, t.Name, "")
}

func (s *Service) auditRunner(ctx context.Context, r *actions_model.Runner, action, detail string) error {
	return s.audit(ctx, r.OwnerID, r.RepoID, action, auditTargetRunner, r.ID, r.Name, detail)
}

// removalAction names a runner's removal: deregistered when the runner asked
// for it itself, deleted when someone else did.
func removalAction(ctx context.Context, r *actions_model.Runner) string {
	if actorFrom(ctx).RunnerID == r.ID {
		return AuditRunnerDereg
	}
	return AuditRunnerDeleted
}

// registeredDetail says which token a runner registered with.
func registeredDetail(rt *actions_model.RunnerToken, r *actions_model.Runner) string {
	d := fmt.Sprintf("with registration token %q (#%d)", rt.Name, rt.ID)
	if r.RunnerGroupID != 0 {
		d += fmt.Sprintf(", into runner group #%d", r.RunnerGroupID)
	}
	if r.Ephemeral {
		d += ", ephemeral"
	}
	return d
}

// ListAuditEvents returns a scope's audit log, newest first; the instance
// scope (the admin's) sees every scope's.
func (s *Service) ListAuditEvents(ctx context.Context, sc identity.Scope, page, pageSize int) ([]*actions_model.AuditEvent, int64, error) {
	return actions_model.FindAuditEvents(ctx, actions_model.FindAuditOptions{
		OwnerID: sc.OwnerID(), RepoID: sc.RepoID(), AnyScope: sc.IsInstance(), Page: page, PageSize: pageSize,
	})
}

// hostOf drops the port of a remote address.
func hostOf(addr string) string {
	if host, _, err := net.SplitHostPort(addr); err == nil {
		return host
	}
	return truncateText(addr, 64)
}

// truncateText cuts s to at most n bytes without splitting a character.
func truncateText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
