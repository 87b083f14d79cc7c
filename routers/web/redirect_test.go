package web

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSafeRedirect_OnlySameSitePaths(t *testing.T) {
	for _, ok := range []string{
		"/",
		"/-/admin/actions/runners",
		"/org/acme/settings/actions/runners?page=2",
		"/user/settings/actions/runners#tokens",
		"/acme/app/settings/actions/runners?done=runner-deleted",
		"/a%20b",      // an encoded space inside a path is harmless
		"/a/b/../c",   // dot segments stay on this site
		"/a?next=//x", // "//" inside the query is not an authority
	} {
		assert.Equal(t, ok, safeRedirect(ok), "%q is a path on this site", ok)
	}
	for _, attack := range []string{
		"",
		"evil.example",
		"//evil.example",
		"///evil.example",
		"/\t/evil.example/",
		"/\n/evil.example",
		"/\r\n/evil.example",
		"/%09/evil.example/",
		"/%0a/evil.example",
		"/%0D%0A/evil.example",
		"/%00/evil.example",
		"/%7f/evil.example",
		"/\\evil.example",
		"\\\\evil.example",
		"/\\/evil.example",
		"/%5Cevil.example",
		"/%5cevil.example",
		"/%2F/evil.example",
		"/%2f%2fevil.example",
		"%2F%2Fevil.example",
		"/%252F/evil.example",   // encoded twice
		"/%25252F/evil.example", // three times
		"/%2525252F/evil.example",
		"/%zz",
		"https://evil.example",
		"http:evil.example",
		"HTTPS://evil.example/",
		"javascript:alert(1)",
		"data:text/html,<script>alert(1)</script>",
		"/ /evil.example",
		" /evil.example",
		"/evil.example\x00",
		"/\u3000/evil.example",
		"/\uff0f\uff0fevil.example",
		"\u2215\u2215evil.example",
		"/" + string(make([]byte, maxRedirectLen)),
	} {
		assert.Equal(t, "/", safeRedirect(attack), "%q must not leave the site", attack)
	}
}

// TestSafeRedirect_QueryForms checks the forms as they arrive: the query
// string is decoded once by the server before safeRedirect sees it.
func TestSafeRedirect_QueryForms(t *testing.T) {
	for _, raw := range []string{
		"redirect_to=/%09/evil.example/",
		"redirect_to=%2F%2Fevil.example",
		"redirect_to=/%5Cevil.example",
		"redirect_to=/%255C/evil.example",
		"redirect_to=%09//evil.example",
		"redirect_to=/%E3%80%80/evil.example",
	} {
		q, err := url.ParseQuery(raw)
		assert.NoError(t, err)
		assert.Equal(t, "/", safeRedirect(q.Get("redirect_to")), raw)
	}
}
