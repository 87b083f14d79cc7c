package v1

import (
	"fmt"
	"net/http"
	"time"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/modules/errs"
	actions_service "code.runnerhub.dev/runnerhub/services/actions"
	"code.runnerhub.dev/runnerhub/services/identity"
)

func (a *API) registerRegistrationTokenRoutes() {
	// Gitea's reusable token: ≥ 1.26 has only POST; older clients GET.
	a.HandleScoped("POST", AllScopes, "/actions/runners/registration-token", a.getRegistrationToken)
	a.HandleScoped("GET", AllScopes, "/actions/runners/registration-token", a.getRegistrationToken)
	a.HandleScoped("POST", AllScopes, "/actions/runners/registration-token/reset", a.resetRegistrationToken)

	// Named tokens, Runnerhub's own.
	a.HandleScoped("GET", AllScopes, "/actions/runners/registration-tokens", a.listRegistrationTokens)
	a.HandleScoped("POST", AllScopes, "/actions/runners/registration-tokens", a.createRegistrationToken)
	a.HandleScoped("GET", AllScopes, "/actions/runners/registration-tokens/{id}", a.getNamedRegistrationToken)
	a.HandleScoped("PATCH", AllScopes, "/actions/runners/registration-tokens/{id}", a.editRegistrationToken)
	a.HandleScoped("DELETE", AllScopes, "/actions/runners/registration-tokens/{id}", a.deleteRegistrationToken)
}

// apiRegistrationToken is Gitea's RegistrationToken JSON.
type apiRegistrationToken struct {
	Token string `json:"token"`
}

func (a *API) getRegistrationToken(w http.ResponseWriter, r *http.Request, sc identity.Scope) {
	token, err := a.Actions.DefaultRegistrationToken(r.Context(), sc)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, apiRegistrationToken{Token: token})
}

func (a *API) resetRegistrationToken(w http.ResponseWriter, r *http.Request, sc identity.Scope) {
	token, err := a.Actions.ResetRegistrationToken(r.Context(), sc)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, apiRegistrationToken{Token: token})
}

// apiNamedToken describes a registration token; Token is set only in the
// answer to its creation.
type apiNamedToken struct {
	ID          int64      `json:"id"`
	Name        string     `json:"name"`
	Description string     `json:"description"`
	IsDefault   bool       `json:"is_default"`
	Disabled    bool       `json:"disabled"`
	State       string     `json:"state"` // active, disabled, expired or used up
	ExpiresAt   *time.Time `json:"expires_at"`
	MaxUses     int64      `json:"max_uses"` // 0: unlimited
	Uses        int64      `json:"uses"`
	CreatedAt   time.Time  `json:"created_at"`
	Token       string     `json:"token,omitempty"`
}

type apiNamedTokenList struct {
	Tokens     []apiNamedToken `json:"tokens"`
	TotalCount int64           `json:"total_count"`
}

func (a *API) toAPINamedToken(t *actions_model.RunnerToken) apiNamedToken {
	out := apiNamedToken{
		ID: t.ID, Name: t.Name, Description: t.Description, IsDefault: t.IsDefault, Disabled: t.Disabled,
		State: a.Actions.TokenState(t), MaxUses: t.MaxUses, Uses: t.Uses, CreatedAt: time.Unix(t.Created, 0).UTC(),
	}
	if t.ExpiresUnix != 0 {
		e := time.Unix(t.ExpiresUnix, 0).UTC()
		out.ExpiresAt = &e
	}
	return out
}

func (a *API) listRegistrationTokens(w http.ResponseWriter, r *http.Request, sc identity.Scope) {
	p, err := a.ParsePagination(r)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	ts, total, err := a.Actions.ListRegistrationTokens(r.Context(), sc, p.DB())
	if err != nil {
		WriteError(w, r, err)
		return
	}
	out := apiNamedTokenList{Tokens: make([]apiNamedToken, len(ts)), TotalCount: total}
	for i, t := range ts {
		out.Tokens[i] = a.toAPINamedToken(t)
	}
	a.SetPage(w, r, p, total)
	WriteJSON(w, http.StatusOK, out)
}

// createTokenOption is the body of a named token's creation. Give the expiry
// as a time (expires_at, RFC 3339) or as seconds from now (expires_in).
type createTokenOption struct {
	Name        string     `json:"name"`
	Description string     `json:"description"`
	ExpiresAt   *time.Time `json:"expires_at"`
	ExpiresIn   int64      `json:"expires_in"`
	MaxUses     int64      `json:"max_uses"`
}

func (a *API) createRegistrationToken(w http.ResponseWriter, r *http.Request, sc identity.Scope) {
	var in createTokenOption
	if err := a.DecodeJSON(w, r, &in); err != nil {
		WriteError(w, r, err)
		return
	}
	var expires int64
	switch {
	case in.ExpiresAt != nil && in.ExpiresIn != 0:
		WriteError(w, r, fmt.Errorf("%w: give expires_at or expires_in, not both", errs.InvalidArgument))
		return
	case in.ExpiresAt != nil:
		expires = in.ExpiresAt.Unix()
	case in.ExpiresIn < 0:
		WriteError(w, r, fmt.Errorf("%w: expires_in must be positive", errs.InvalidArgument))
		return
	case in.ExpiresIn > 0:
		expires = time.Now().Unix() + in.ExpiresIn
	}
	t, token, err := a.Actions.CreateRegistrationToken(r.Context(), sc, actions_service.NamedTokenInput{
		Name: in.Name, Description: in.Description, ExpiresUnix: expires, MaxUses: in.MaxUses, CreatedBy: Caller(r).ID,
	})
	if err != nil {
		WriteError(w, r, err)
		return
	}
	out := a.toAPINamedToken(t)
	out.Token = token
	WriteJSON(w, http.StatusCreated, out)
}

func (a *API) getNamedRegistrationToken(w http.ResponseWriter, r *http.Request, sc identity.Scope) {
	id, err := PathID(r, "id")
	if err != nil {
		WriteError(w, r, err)
		return
	}
	t, err := a.Actions.GetRegistrationToken(r.Context(), sc, id)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, a.toAPINamedToken(t))
}

func (a *API) editRegistrationToken(w http.ResponseWriter, r *http.Request, sc identity.Scope) {
	id, err := PathID(r, "id")
	if err != nil {
		WriteError(w, r, err)
		return
	}
	var in editRunnerOption // the same shape: {"disabled": bool}
	if err := a.DecodeJSON(w, r, &in); err != nil {
		WriteError(w, r, err)
		return
	}
	if in.Disabled == nil {
		WriteError(w, r, fmt.Errorf("%w: \"disabled\" is required", errs.InvalidArgument))
		return
	}
	t, err := a.Actions.SetRegistrationTokenDisabled(r.Context(), sc, id, *in.Disabled)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, a.toAPINamedToken(t))
}

func (a *API) deleteRegistrationToken(w http.ResponseWriter, r *http.Request, sc identity.Scope) {
	id, err := PathID(r, "id")
	if err != nil {
		WriteError(w, r, err)
		return
	}
	if err := a.Actions.DeleteRegistrationToken(r.Context(), sc, id); err != nil {
		WriteError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
