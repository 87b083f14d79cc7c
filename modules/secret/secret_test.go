package secret

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewToken_IsRandomHex(t *testing.T) {
	a, b := NewToken(), NewToken()
	assert.Len(t, a, 40)
	assert.NotEqual(t, a, b)
}

func TestMatches(t *testing.T) {
	tok := NewToken()
	h := Hash(tok)
	assert.NotEqual(t, tok, h, "the stored form is not the token")
	assert.True(t, Matches(tok, h))
	assert.False(t, Matches(NewToken(), h))
	assert.False(t, Matches("", h))
}

func TestBox_RoundTripAndWrongKey(t *testing.T) {
	b, err := NewBox("k1")
	require.NoError(t, err)
	sealed := b.Seal("hello")
	assert.NotContains(t, sealed, "hello")
	plain, err := b.Open(sealed)
	require.NoError(t, err)
	assert.Equal(t, "hello", plain)

	other, err := NewBox("k2")
	require.NoError(t, err)
	_, err = other.Open(sealed)
	assert.Error(t, err)
	_, err = b.Open("not base64 !!")
	assert.Error(t, err)
	_, err = NewBox("")
	assert.Error(t, err)
}
