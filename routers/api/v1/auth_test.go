package v1

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"code.runnerhub.dev/runnerhub/services/identity"
)

// TestNeedOf: the longest declared prefix names a route's categories, the
// method its level, and a route under no declared prefix stops start-up.
func TestNeedOf(t *testing.T) {
	for pattern, want := range map[string]routeNeed{
		"GET /api/v1/user":                               {identity.TokenRead, []identity.TokenCategory{identity.CategoryUser}},
		"POST /api/v1/user/repos":                        {identity.TokenWrite, []identity.TokenCategory{identity.CategoryRepository}},
		"DELETE /api/v1/users/{username}/tokens/{token}": {identity.TokenWrite, []identity.TokenCategory{identity.CategoryUser}},
		"HEAD /api/v1/repos/{owner}/{repo}/hooks":        {identity.TokenRead, []identity.TokenCategory{identity.CategoryRepository}},
		"POST /api/v1/orgs":                              {identity.TokenWrite, []identity.TokenCategory{identity.CategoryOrganization}},
		"POST /api/v1/orgs/{org}/repos":                  {identity.TokenWrite, []identity.TokenCategory{identity.CategoryOrganization, identity.CategoryRepository}},
		"PATCH /api/v1/admin/actions/runners/{id}":       {identity.TokenWrite, []identity.TokenCategory{identity.CategoryAdmin}},
	} {
		assert.Equal(t, want, needOf(pattern), pattern)
	}
	assert.Panics(t, func() { needOf("GET /api/v1/markdown") })
	assert.Panics(t, func() { needOf("GET /api/v1/usersettings") }, "a prefix matches whole path segments only")
}
