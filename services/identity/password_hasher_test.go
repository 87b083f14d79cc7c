package identity

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPasswordHasher_WaitEndsWithTheRequest fills every slot and checks that
// a caller whose request ends stops waiting without hashing.
func TestPasswordHasher_WaitEndsWithTheRequest(t *testing.T) {
	h := newPasswordHasher(1)
	h.slots <- struct{}{} // a hash is running
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := h.matches(ctx, "guess", "pbkdf2-sha256$1$c2FsdA$a2V5")
		done <- err
	}()
	cancel()
	err := <-done
	require.ErrorIs(t, err, context.Canceled)
	assert.Zero(t, h.computed.Load(), "nothing was hashed")

	<-h.slots // the running hash ends
	ok, err := h.matches(context.Background(), "guess", "pbkdf2-sha256$1$c2FsdA$a2V5")
	require.NoError(t, err)
	assert.False(t, ok)
	assert.Equal(t, int64(1), h.computed.Load())
}
