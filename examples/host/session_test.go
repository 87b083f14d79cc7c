package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSessions_EndAtTheirLifetime checks a session lasts its lifetime and
// no longer, that ended sessions are swept, and that the map keeps hashes.
func TestSessions_EndAtTheirLifetime(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	s := newSessions(time.Hour)
	s.now = func() time.Time { return now }

	old, err := s.create(7)
	require.NoError(t, err)
	uid, ok := s.uid(old)
	require.True(t, ok)
	assert.EqualValues(t, 7, uid)
	_, ok = s.byHash[old]
	assert.False(t, ok, "the map is keyed by the token's hash, not the token")

	now = now.Add(time.Hour - time.Second)
	_, ok = s.uid(old)
	assert.True(t, ok, "alive until its lifetime is over")
	now = now.Add(time.Second)
	_, ok = s.uid(old)
	assert.False(t, ok, "over at its lifetime")

	fresh, err := s.create(8)
	require.NoError(t, err)
	assert.Len(t, s.byHash, 1, "creating a session sweeps the ended ones")
	s.delete(fresh)
	_, ok = s.uid(fresh)
	assert.False(t, ok, "signing out ends the session")
	_, ok = s.uid("")
	assert.False(t, ok)
}
