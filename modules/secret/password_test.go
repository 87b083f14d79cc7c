package secret

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestPasswordMatches(t *testing.T) {
	h := hashPassword("correct horse", 1000)
	assert.True(t, PasswordMatches("correct horse", h))
	assert.False(t, PasswordMatches("correct horsE", h))
	assert.False(t, PasswordMatches("", h))
	assert.NotEqual(t, h, hashPassword("correct horse", 1000), "each hash has its own salt")
	assert.NotContains(t, h, "correct")
}

func TestPasswordMatches_MalformedHashMatchesNothing(t *testing.T) {
	for _, stored := range []string{"", "plain", "pbkdf2-sha256$x$a$b", "pbkdf2-sha256$0$YQ$YQ", "md5$1$YQ$YQ", "pbkdf2-sha256$1$!!$YQ"} {
		assert.False(t, PasswordMatches("", stored), stored)
		assert.False(t, PasswordMatches("YQ", stored), stored)
	}
}

func TestHashPassword_UsesTheStoredWorkFactor(t *testing.T) {
	h := HashPassword("pw")
	assert.True(t, strings.HasPrefix(h, "pbkdf2-sha256$320000$"), h)
	assert.True(t, PasswordMatches("pw", h))
}

// BenchmarkPasswordMatches is the cost of one password check at the stored
// work factor: what a sign-in or a basic-auth API call pays.
func BenchmarkPasswordMatches(b *testing.B) {
	h := HashPassword("correct horse")
	for b.Loop() {
		PasswordMatches("correct horse", h)
	}
}
