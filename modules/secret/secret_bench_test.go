package secret_test

import (
	"crypto/pbkdf2"
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"code.runnerhub.dev/runnerhub/modules/secret"
)

// BenchmarkTokenCheck compares the runner token check with the PBKDF2
// (10,000 rounds of SHA-256) Gitea runs on every runner call.
func BenchmarkTokenCheck(b *testing.B) {
	token := secret.NewToken()
	b.Run("sha256", func(b *testing.B) {
		stored := secret.Hash(token)
		b.ReportAllocs()
		for b.Loop() {
			if !secret.Matches(token, stored) {
				b.Fatal("token does not match its hash")
			}
		}
	})
	b.Run("pbkdf2-10000", func(b *testing.B) {
		salt := []byte("0123456789abcdef")
		key, err := pbkdf2.Key(sha256.New, token, salt, 10000, 50)
		if err != nil {
			b.Fatal(err)
		}
		stored := hex.EncodeToString(key)
		b.ReportAllocs()
		for b.Loop() {
			k, err := pbkdf2.Key(sha256.New, token, salt, 10000, 50)
			if err != nil || hex.EncodeToString(k) != stored {
				b.Fatal("token does not match its hash")
			}
		}
	})
}
