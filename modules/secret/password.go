package secret

import (
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
)

// passwordIterations is the PBKDF2-SHA256 work factor for new password
// hashes. Passwords, unlike tokens, are guessable, so they get a slow hash;
// the count is stored with each hash so it can be raised later.
const passwordIterations = 320_000

// HashPassword returns the stored form of a password:
// "pbkdf2-sha256$<iterations>$<salt>$<key>".
func HashPassword(password string) string {
	return hashPassword(password, passwordIterations)
}

func hashPassword(password string, iterations int) string {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		panic(fmt.Sprintf("secret: no randomness: %v", err))
	}
	key, err := pbkdf2.Key(sha256.New, password, salt, iterations, 32)
	if err != nil {
		panic(fmt.Sprintf("secret: pbkdf2: %v", err)) // only for parameters no caller passes
	}
	enc := base64.RawStdEncoding
	return "pbkdf2-sha256$" + strconv.Itoa(iterations) + "$" + enc.EncodeToString(salt) + "$" + enc.EncodeToString(key)
}

// PasswordMatches checks password against a stored hash in constant time.
// A malformed stored hash matches nothing.
func PasswordMatches(password, stored string) bool {
	parts := strings.Split(stored, "$")
	if len(parts) != 4 || parts[0] != "pbkdf2-sha256" {
		return false
	}
	iterations, err := strconv.Atoi(parts[1])
	if err != nil || iterations < 1 {
		return false
	}
	enc := base64.RawStdEncoding
	salt, err1 := enc.DecodeString(parts[2])
	want, err2 := enc.DecodeString(parts[3])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got, err := pbkdf2.Key(sha256.New, password, salt, iterations, len(want))
	if err != nil {
		return false
	}
	return subtle.ConstantTimeCompare(got, want) == 1
}
