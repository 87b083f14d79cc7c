package actions

import (
	"context"
	"crypto/pbkdf2"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"strconv"
	"strings"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/modules/secret"
)

// A runner that Gitea registered arrives with its token still hashed as
// Gitea hashed it (migrations: "gitea-pbkdf2-sha256$<rounds>$<bytes>$<salt>$<hex>").
// Its first call that presents the right token pays for one PBKDF2 and
// replaces that hash with Runnerhub's own, so every later call costs a
// SHA-256 like any other runner's.

// legacyTokenPrefix is the only legacy form there is.
const legacyTokenPrefix = "gitea-pbkdf2-sha256$"

// legacyTokenMatches checks token against a legacy hash in constant time.
// A malformed hash matches nothing.
func legacyTokenMatches(token, stored string) bool {
	rest, ok := strings.CutPrefix(stored, legacyTokenPrefix)
	if !ok {
		return false
	}
	parts := strings.Split(rest, "$")
	if len(parts) != 4 {
		return false
	}
	rounds, err1 := strconv.Atoi(parts[0])
	size, err2 := strconv.Atoi(parts[1])
	want, err3 := hex.DecodeString(parts[3])
	// Gitea used 10,000 rounds and 50 bytes; bounds keep a bad row from
	// costing more than that.
	if err1 != nil || err2 != nil || err3 != nil || rounds < 1 || rounds > 100_000 || size < 16 || size > 64 || len(want) != size {
		return false
	}
	got, err := pbkdf2.Key(sha256.New, token, []byte(parts[2]), rounds, size)
	return err == nil && subtle.ConstantTimeCompare(got, want) == 1
}

// upgradeLegacyToken reports whether token matches the runner's legacy hash,
// and if it does stores Runnerhub's hash instead, in the database and in
// this process's copy of the runner.
func (s *Service) upgradeLegacyToken(ctx context.Context, r *actions_model.Runner, token string) (bool, error) {
	if r.LegacyTokenHash == "" || !legacyTokenMatches(token, r.LegacyTokenHash) {
		return false, nil
	}
	hash := secret.Hash(token)
	if _, err := actions_model.ReplaceLegacyTokenHash(ctx, r.ID, r.LegacyTokenHash, hash); err != nil {
		return false, err
	}
	r.TokenHash, r.LegacyTokenHash = hash, ""
	s.runners.update(r.UUID, func(c *actions_model.Runner) { c.TokenHash, c.LegacyTokenHash = hash, "" })
	return true, nil
}
