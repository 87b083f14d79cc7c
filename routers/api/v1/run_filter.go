package v1

import (
	"context"
	"errors"
	"net/http"

	"code.runnerhub.dev/runnerhub/modules/errs"
	workflow_service "code.runnerhub.dev/runnerhub/services/workflow"
)

// parseRunFilter reads GitHub's filters of a run list: actor, branch,
// event, status, created, head_sha and exclude_pull_requests (accepted as
// true or false: Runnerhub's runs have no pull requests, so the list is
// the same either way).
func (a *API) parseRunFilter(r *http.Request) (workflow_service.RunFilter, error) {
	q := r.URL.Query()
	var f workflow_service.RunFilter
	var err error
	if f.Statuses, err = statusParam(q); err != nil {
		return f, err
	}
	if f.CreatedFrom, f.CreatedBefore, err = createdParam(q); err != nil {
		return f, err
	}
	if _, err = boolParam(q, "exclude_pull_requests"); err != nil {
		return f, err
	}
	for key, dst := range map[string]*[]string{"event": &f.Events, "branch": &f.Branches, "head_sha": &f.HeadSHAs} {
		if *dst, err = listParam(q, key); err != nil {
			return f, err
		}
	}
	actors, err := listParam(q, "actor")
	if err != nil {
		return f, err
	}
	if actors != nil {
		f.ActorIDs, err = a.userIDs(r.Context(), actors)
	}
	return f, err
}

// userIDs resolves user names; a name that names no user selects nothing,
// as GitHub answers an empty list for an unknown actor.
func (a *API) userIDs(ctx context.Context, names []string) ([]int64, error) {
	ids := make([]int64, 0, len(names))
	for _, n := range names {
		o, err := a.Identity.GetOwnerByName(ctx, n)
		if errors.Is(err, errs.NotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if !o.IsOrg {
			ids = append(ids, o.ID)
		}
	}
	return ids, nil
}
