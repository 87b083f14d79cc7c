package main

import (
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
)

// Passwords are hashed with PBKDF2-HMAC-SHA256 and a random salt per user,
// from the standard library. golang.org/x/crypto (bcrypt, argon2) is only an
// indirect requirement of xorm in this module's graph, not in go.sum, so the
// example does without it; Gitea's default algorithm is PBKDF2 as well.
const (
	passwordIterations = 100_000
	passwordKeyBytes   = 32
)

// dummySalt is hashed against when a sign-in names nobody, so that an unknown
// name costs as much time as a wrong password.
const dummySalt = "host-example-no-such-user"

func hashPassword(password, salt string) (string, error) {
	key, err := pbkdf2.Key(sha256.New, password, []byte(salt), passwordIterations, passwordKeyBytes)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return hex.EncodeToString(key), nil
}

// passwordMatches compares in constant time; an empty stored hash never matches.
func passwordMatches(password, salt, stored string) bool {
	got, err := hashPassword(password, salt)
	if err != nil || stored == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(got), []byte(stored)) == 1
}

func newSalt() (string, error) { return randomHex(16) }

// newToken is an API or session token: 160 random bits, as Gitea's tokens.
func newToken() (string, error) { return randomHex(20) }

// hashToken is what is stored and looked up for a token. The token is random
// and long, so one unsalted SHA-256 is enough: a leaked table gives nothing
// to guess from, and a lookup by the hash needs no comparison of secrets.
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}
