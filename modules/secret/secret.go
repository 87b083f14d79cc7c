// Package secret makes, hashes, compares and encrypts the credentials
// Runnerhub hands out.
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
)

// NewToken returns a random token of 160 bits as 40 hex characters, the shape
// act_runner and Gitea use.
func NewToken() string {
	b := make([]byte, 20)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("secret: no randomness: %v", err)) // the OS is broken; nothing safe remains
	}
	return hex.EncodeToString(b)
}

// Hash returns the stored form of a token. Tokens are 160 random bits, so a
// single SHA-256 already makes guessing hopeless; a slow KDF such as Gitea's
// PBKDF2 would only tax every poll.
func Hash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// Matches compares a presented token with a stored hash in constant time.
func Matches(token, storedHash string) bool {
	h := Hash(token)
	return subtle.ConstantTimeCompare([]byte(h), []byte(storedHash)) == 1
}

// Box encrypts the few secrets that must be shown again (a scope's reusable
// registration token, webhook secrets) with AES-256-GCM under a key derived
// from the configured secret key.
type Box struct {
	aead cipher.AEAD
}

// NewBox derives the encryption key from key.
func NewBox(key string) (*Box, error) {
	if key == "" {
		return nil, errors.New("secret key is empty")
	}
	k := sha256.Sum256([]byte("runnerhub secret box\x00" + key))
	block, err := aes.NewCipher(k[:])
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Box{aead: aead}, nil
}

// Seal encrypts plain; the result is printable.
func (b *Box) Seal(plain string) string {
	nonce := make([]byte, b.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		panic(fmt.Sprintf("secret: no randomness: %v", err))
	}
	return base64.RawStdEncoding.EncodeToString(b.aead.Seal(nonce, nonce, []byte(plain), nil))
}

// Open decrypts what Seal made with the same key.
func (b *Box) Open(sealed string) (string, error) {
	raw, err := base64.RawStdEncoding.DecodeString(sealed)
	if err != nil || len(raw) < b.aead.NonceSize() {
		return "", errors.New("sealed secret is malformed")
	}
	n := b.aead.NonceSize()
	plain, err := b.aead.Open(nil, raw[:n], raw[n:], nil)
	if err != nil {
		return "", errors.New("sealed secret does not open with this key")
	}
	return string(plain), nil
}
