package actions

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/models/db"
	"code.runnerhub.dev/runnerhub/modules/errs"
	"code.runnerhub.dev/runnerhub/modules/secret"
	"code.runnerhub.dev/runnerhub/services/identity"
)

// JIT configs (SPEC §10): the server registers an ephemeral runner itself
// and hands out the file the runner would have written after registering,
// so that no registration token ever leaves the server. The runner takes
// one job and is retired after it like any ephemeral runner; one that never
// takes a job is removed after JIT_UNUSED_AFTER by the maintenance loop.

// maxWorkFolderLen bounds GitHub's work_folder, which is checked and kept
// nowhere: act_runner chooses its work folder from its own config.
const maxWorkFolderLen = 255

// JITConfigRequest is GitHub's generate-jitconfig body.
type JITConfigRequest struct {
	Name string
	// RunnerGroupID is a group of the scope; 0 is the scope's default group.
	// A repository's runners are in no group, so it must be 0 there.
	RunnerGroupID int64
	// Labels as act_runner declares them, each with its optional ":scheme"
	// (e.g. "ubuntu-latest:docker://node:20"); at least one.
	Labels     []string
	WorkFolder string
}

// JITConfig is the runner made and its encoded config, which holds the
// runner's credential: it is shown only this once.
type JITConfig struct {
	Runner *actions_model.Runner
	// Group is the runner's group; nil for a repository's runner.
	Group *actions_model.RunnerGroup
	// EncodedConfig is base64 (standard) of the JSON of act_runner's
	// `.runner` file (RunnerFile).
	EncodedConfig string
}

// RunnerFile is act_runner's `.runner` file: what `act_runner register`
// saves and `act_runner daemon` loads. act_runner reads it with exact,
// case-sensitive member names.
type RunnerFile struct {
	ID        int64    `json:"id"`
	UUID      string   `json:"uuid"`
	Name      string   `json:"name"`
	Token     string   `json:"token"`
	Address   string   `json:"address"`
	Labels    []string `json:"labels"`
	Ephemeral bool     `json:"ephemeral"`
}

// DecodeJITConfig reads an encoded JIT config back, as a runner's start
// command would.
func DecodeJITConfig(encoded string) (*RunnerFile, error) {
	raw, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil {
		return nil, fmt.Errorf("%w: JIT config is not base64: %v", errs.InvalidArgument, err)
	}
	f := &RunnerFile{}
	if err := json.Unmarshal(raw, f); err != nil {
		return nil, fmt.Errorf("%w: JIT config is not a runner file: %v", errs.InvalidArgument, err)
	}
	return f, nil
}

// GenerateJITConfig makes a JIT runner in scope sc for caller, who must
// manage sc or be a manager of the runner group asked for (the default
// group when RunnerGroupID is 0). A nil caller is refused: the server's
// own callers (the provisioner) use GenerateJITConfigAsServer. The audit
// entry names the actor of ctx (WithActor).
func (s *Service) GenerateJITConfig(ctx context.Context, caller *identity.User, sc identity.Scope, req JITConfigRequest) (*JITConfig, error) {
	if err := s.checkJITCaller(ctx, caller, sc, req.RunnerGroupID); err != nil {
		return nil, err
	}
	return s.generateJITConfig(ctx, sc, req)
}

// GenerateJITConfigAsServer makes a JIT runner in scope sc on the server's
// own behalf, with no user to check: for the provisioner. Its audit entry
// names the actor of ctx, "system" when ctx has none (see WithActor).
func (s *Service) GenerateJITConfigAsServer(ctx context.Context, sc identity.Scope, req JITConfigRequest) (*JITConfig, error) {
	return s.generateJITConfig(ctx, sc, req)
}

// checkJITCaller lets through who manages the scope, and a manager of the
// group the runner is to join.
func (s *Service) checkJITCaller(ctx context.Context, caller *identity.User, sc identity.Scope, groupID int64) error {
	if caller == nil {
		return fmt.Errorf("%w: sign in to generate a JIT config", errs.Unauthenticated)
	}
	ok, err := identity.CanManage(ctx, s.identity, caller, sc)
	if err != nil || ok {
		return err
	}
	if sc.Repo == nil {
		if groupID == 0 {
			ok, err = managesDefaultGroup(ctx, caller, sc)
		} else {
			ok, err = identity.CanManageRunnerGroup(ctx, s.identity, caller, sc, groupID)
		}
		if err != nil || ok {
			return err
		}
	}
	return fmt.Errorf("%w: you may not add runners to %s or to that runner group", errs.PermissionDenied, sc)
}

// managesDefaultGroup reports whether u manages the scope's default group,
// without making the group when there is none yet (then nobody does).
func managesDefaultGroup(ctx context.Context, u *identity.User, sc identity.Scope) (bool, error) {
	gs, err := actions_model.FindGroupsManagedBy(ctx, u.ID, sc.OwnerID())
	for _, g := range gs {
		if g.IsDefault {
			return true, err
		}
	}
	return false, err
}

func (s *Service) generateJITConfig(ctx context.Context, sc identity.Scope, req JITConfigRequest) (*JITConfig, error) {
	if s.rootURL == "" { // a config without an address would make a runner nobody can start
		return nil, fmt.Errorf("%w: [server] ROOT_URL is not set; a JIT config names the address its runner reaches", errs.FailedPrecondition)
	}
	if err := s.checkJITRequest(sc, req); err != nil {
		return nil, err
	}
	token := secret.NewToken()
	r := &actions_model.Runner{
		UUID:      uuid.NewString(),
		Name:      req.Name,
		OwnerID:   sc.OwnerID(),
		RepoID:    sc.RepoID(),
		TokenHash: secret.Hash(token),
		Ephemeral: true,
		JIT:       true,
		// LastOnline stays 0: the runner has not been in touch yet.
	}
	r.SetLabels(req.Labels)
	var g *actions_model.RunnerGroup
	err := db.WithTx(ctx, func(ctx context.Context) error {
		var err error
		if g, err = jitGroup(ctx, sc, req.RunnerGroupID); err != nil {
			return err
		}
		if g != nil {
			r.RunnerGroupID = g.ID
		}
		if err := actions_model.CreateRunner(ctx, r); err != nil {
			return err
		}
		return s.auditRunner(ctx, r, AuditRunnerJITCreated, jitDetail(g))
	})
	if err != nil {
		return nil, err
	}
	file, err := json.Marshal(RunnerFile{
		ID: r.ID, UUID: r.UUID, Name: r.Name, Token: token,
		Address: strings.TrimSuffix(s.rootURL, "/"), Labels: r.LabelList(), Ephemeral: true,
	})
	if err != nil {
		return nil, err
	}
	return &JITConfig{Runner: r, Group: g, EncodedConfig: base64.StdEncoding.EncodeToString(file)}, nil
}

// checkJITRequest checks what needs no database, before anything is read.
func (s *Service) checkJITRequest(sc identity.Scope, req JITConfigRequest) error {
	if err := checkName(req.Name); err != nil {
		return err
	}
	if len(req.Labels) == 0 {
		return fmt.Errorf("%w: labels: a JIT runner needs at least one label", errs.InvalidArgument)
	}
	if err := s.checkLabels(req.Labels); err != nil {
		return err
	}
	if len(req.WorkFolder) > maxWorkFolderLen || !isText(req.WorkFolder) {
		return fmt.Errorf("%w: work_folder must be UTF-8 text of at most %d bytes", errs.InvalidArgument, maxWorkFolderLen)
	}
	switch {
	case req.RunnerGroupID < 0:
		return fmt.Errorf("%w: runner_group_id %d is not a runner group", errs.InvalidArgument, req.RunnerGroupID)
	case req.RunnerGroupID != 0 && sc.Repo != nil:
		return fmt.Errorf("%w: a repository's runners are in no runner group; leave runner_group_id out", errs.InvalidArgument)
	}
	return nil
}

// jitGroup is the group a JIT runner joins: the one asked for, which must
// be the scope's, or the scope's default; none for a repository's runner.
func jitGroup(ctx context.Context, sc identity.Scope, id int64) (*actions_model.RunnerGroup, error) {
	switch {
	case sc.Repo != nil:
		return nil, nil
	case id == 0:
		return actions_model.EnsureDefaultRunnerGroup(ctx, sc.OwnerID())
	}
	g, err := actions_model.GetRunnerGroupByID(ctx, id)
	if err == nil && g.OwnerID != sc.OwnerID() {
		err = db.ErrNotExist // another scope's group is not named to this one
	}
	if errors.Is(err, db.ErrNotExist) {
		return nil, fmt.Errorf("%w: runner_group_id %d is not a runner group of %s", errs.InvalidArgument, id, sc)
	}
	return g, err
}

func jitDetail(g *actions_model.RunnerGroup) string {
	d := "from a JIT config, ephemeral"
	if g != nil {
		d += fmt.Sprintf(", into runner group %q (#%d)", g.Name, g.ID)
	}
	return d
}
