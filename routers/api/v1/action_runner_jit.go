package v1

import (
	"net/http"

	actions_service "code.runnerhub.dev/runnerhub/services/actions"
	"code.runnerhub.dev/runnerhub/services/identity"
)

// JIT configs (SPEC §10), GitHub's generate-jitconfig. Who manages the
// scope may call it, and so may a runner group's managers for their group:
// the service checks that, as the group is named in the body.

func (a *API) registerJITConfigRoutes() {
	a.HandleScopeResolved("POST", AllScopes, "/actions/runners/generate-jitconfig", a.generateJITConfig)
}

// jitConfigOption is GitHub's request body.
type jitConfigOption struct {
	Name          string   `json:"name"`
	RunnerGroupID int64    `json:"runner_group_id"`
	Labels        []string `json:"labels"`
	WorkFolder    string   `json:"work_folder"`
}

// apiJITConfig is GitHub's answer: the runner made and its encoded config.
type apiJITConfig struct {
	Runner           apiRunner `json:"runner"`
	EncodedJITConfig string    `json:"encoded_jit_config"`
}

func (a *API) generateJITConfig(w http.ResponseWriter, r *http.Request, sc identity.Scope) {
	var in jitConfigOption
	if err := a.DecodeJSON(w, r, &in); err != nil {
		WriteError(w, r, err)
		return
	}
	cfg, err := a.Actions.GenerateJITConfig(r.Context(), Caller(r), sc, actions_service.JITConfigRequest{
		Name: in.Name, RunnerGroupID: in.RunnerGroupID, Labels: in.Labels, WorkFolder: in.WorkFolder,
	})
	if err != nil {
		WriteError(w, r, err)
		return
	}
	runner := toAPIRunner(&actions_service.RunnerInfo{Runner: cfg.Runner, Group: cfg.Group})
	WriteJSON(w, http.StatusCreated, apiJITConfig{Runner: runner, EncodedJITConfig: cfg.EncodedConfig})
}
