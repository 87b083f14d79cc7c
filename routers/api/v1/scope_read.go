package v1

import (
	"fmt"
	"net/http"

	"code.runnerhub.dev/runnerhub/modules/errs"
	"code.runnerhub.dev/runnerhub/services/identity"
)

// HandleScopedRead is HandleScoped for routes that only read: the caller
// must be allowed to read the scope (identity.CanRead: its managers, and in
// a repository whoever was granted read access). A caller who may not read
// it is answered 404, as if it did not exist, because a reader's view
// (runs, jobs, logs) tells what the scope holds.
func (a *API) HandleScopedRead(method string, kinds ScopeKinds, suffix string, h ScopedHandler) {
	for _, p := range scopePrefixes {
		if kinds&p.kind == 0 {
			continue
		}
		kind := p.kind
		a.Handle(method+" "+p.prefix+suffix, func(w http.ResponseWriter, r *http.Request) {
			sc, err := a.ResolveScope(r.Context(), r, kind)
			if err == nil {
				var ok bool
				if ok, err = identity.CanRead(r.Context(), a.Identity, Caller(r), sc); err == nil && !ok {
					err = fmt.Errorf("%w: %s", errs.NotFound, sc)
				}
			}
			if err != nil {
				WriteError(w, r, err)
				return
			}
			h(w, r, sc)
		})
	}
}
