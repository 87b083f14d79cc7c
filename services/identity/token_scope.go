package identity

import (
	"fmt"
	"slices"
	"strings"

	"code.runnerhub.dev/runnerhub/modules/errs"
)

// TokenCategory is a part of the REST API an access token's scope names,
// with Gitea's names, so that a token's scopes read the same in both.
type TokenCategory string

// Gitea's categories. Runnerhub serves routes in admin, organization,
// repository and user; the others are accepted so that a scope list written
// for Gitea is valid here too, and reach nothing.
const (
	CategoryActivityPub  TokenCategory = "activitypub"
	CategoryAdmin        TokenCategory = "admin"
	CategoryIssue        TokenCategory = "issue"
	CategoryMisc         TokenCategory = "misc"
	CategoryNotification TokenCategory = "notification"
	CategoryOrganization TokenCategory = "organization"
	CategoryPackage      TokenCategory = "package"
	CategoryRepository   TokenCategory = "repository"
	CategoryUser         TokenCategory = "user"
)

// TokenCategories lists every category, in the order pages show them.
var TokenCategories = []TokenCategory{
	CategoryAdmin, CategoryOrganization, CategoryRepository, CategoryUser,
	CategoryActivityPub, CategoryIssue, CategoryMisc, CategoryNotification, CategoryPackage,
}

// TokenLevel is how far a scope reaches into a category; write includes read.
type TokenLevel uint8

const (
	TokenNone TokenLevel = iota
	TokenRead
	TokenWrite
)

func (l TokenLevel) String() string {
	switch l {
	case TokenRead:
		return "read"
	case TokenWrite:
		return "write"
	}
	return "none"
}

// ScopeAll is the scope of a token that may do whatever its user may.
const ScopeAll = "all"

// TokenScope is what an access token may do: a level per category. The zero
// value allows nothing; AllScopes allows everything.
type TokenScope struct {
	levels map[TokenCategory]TokenLevel
}

// AllScopes is the scope "all": write in every category.
func AllScopes() TokenScope {
	s := TokenScope{levels: make(map[TokenCategory]TokenLevel, len(TokenCategories))}
	for _, c := range TokenCategories {
		s.levels[c] = TokenWrite
	}
	return s
}

// ScopeName is how Gitea spells level in category: "read:repository".
func ScopeName(c TokenCategory, l TokenLevel) string { return l.String() + ":" + string(c) }

// ParseTokenScope reads scope names as Gitea writes them ("all",
// "read:repository", "write:user", …), each element possibly a
// comma-separated list, as the CLI's --scopes takes it. No names at all is
// "all": a token made without naming scopes keeps its user's full access, as
// every token did before scopes existed. An unknown name, or "public-only"
// (Runnerhub holds nothing public, so such a token could do nothing), is
// errs.InvalidArgument naming it and the known names.
func ParseTokenScope(names []string) (TokenScope, error) {
	s := TokenScope{levels: map[TokenCategory]TokenLevel{}}
	seen := false
	for _, list := range names {
		for _, name := range strings.Split(list, ",") {
			name = strings.TrimSpace(name)
			if name == "" {
				continue
			}
			seen = true
			if name == ScopeAll {
				return AllScopes(), nil
			}
			if name == "public-only" {
				return TokenScope{}, fmt.Errorf("%w: scope public-only: Runnerhub holds nothing public (runners, runs, logs and webhooks belong to their owners), so such a token could do nothing", errs.InvalidArgument)
			}
			c, l, ok := parseScopeName(name)
			if !ok {
				return TokenScope{}, fmt.Errorf("%w: unknown scope %q; known scopes are %s", errs.InvalidArgument, name, strings.Join(KnownScopeNames(), ", "))
			}
			s.levels[c] = max(s.levels[c], l)
		}
	}
	if !seen {
		return AllScopes(), nil
	}
	return s, nil
}

func parseScopeName(name string) (TokenCategory, TokenLevel, bool) {
	level, cat, ok := strings.Cut(name, ":")
	if !ok || !slices.Contains(TokenCategories, TokenCategory(cat)) {
		return "", TokenNone, false
	}
	switch level {
	case "read":
		return TokenCategory(cat), TokenRead, true
	case "write":
		return TokenCategory(cat), TokenWrite, true
	}
	return "", TokenNone, false
}

// KnownScopeNames lists every scope name ParseTokenScope takes.
func KnownScopeNames() []string {
	out := []string{ScopeAll}
	for _, c := range TokenCategories {
		out = append(out, ScopeName(c, TokenRead), ScopeName(c, TokenWrite))
	}
	return out
}

// StoredTokenScope reads a scope as the access_token table keeps it (String's
// form). "" is "all": tokens made before scopes existed. A value that does
// not parse allows nothing, so a damaged row fails closed.
func StoredTokenScope(stored string) TokenScope {
	if stored == "" {
		return AllScopes()
	}
	s, err := ParseTokenScope([]string{stored})
	if err != nil {
		return TokenScope{}
	}
	return s
}

// Allows reports whether the scope reaches level in category.
func (s TokenScope) Allows(c TokenCategory, l TokenLevel) bool { return s.levels[c] >= l }

// IsAll reports whether the scope allows everything.
func (s TokenScope) IsAll() bool {
	for _, c := range TokenCategories {
		if s.levels[c] != TokenWrite {
			return false
		}
	}
	return true
}

// Names lists the scope's names, normalized: ["all"], or one name per
// category it reaches (write standing for read too), in TokenCategories'
// order.
func (s TokenScope) Names() []string {
	if s.IsAll() {
		return []string{ScopeAll}
	}
	out := []string{}
	for _, c := range TokenCategories {
		if l := s.levels[c]; l != TokenNone {
			out = append(out, ScopeName(c, l))
		}
	}
	return out
}

// String is the stored form: Names joined by commas.
func (s TokenScope) String() string { return strings.Join(s.Names(), ",") }
