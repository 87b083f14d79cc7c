package ratelimit

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestLimiter_BurstThenRefill(t *testing.T) {
	now := time.Unix(1000, 0)
	l := New(60, 3) // one a second, three at once
	l.SetClock(func() time.Time { return now })
	for i := 0; i < 3; i++ {
		ok, _ := l.Allow("alice")
		assert.True(t, ok, "call %d is within the burst", i)
	}
	ok, wait := l.Allow("alice")
	assert.False(t, ok)
	assert.Equal(t, time.Second, wait)

	ok, _ = l.Allow("bob")
	assert.True(t, ok, "each key has its own bucket")

	now = now.Add(time.Second)
	ok, _ = l.Allow("alice")
	assert.True(t, ok, "a token came back after a second")
	ok, _ = l.Allow("alice")
	assert.False(t, ok)
}

func TestLimiter_RetryAfterReflectsRate(t *testing.T) {
	now := time.Unix(1000, 0)
	l := New(6, 1) // one every ten seconds
	l.SetClock(func() time.Time { return now })
	ok, _ := l.Allow("k")
	assert.True(t, ok)
	ok, wait := l.Allow("k")
	assert.False(t, ok)
	assert.Equal(t, 10*time.Second, wait)
}

func TestLimiter_SweepForgetsIdleKeys(t *testing.T) {
	now := time.Unix(1000, 0)
	l := New(60, 5)
	l.SetClock(func() time.Time { return now })
	l.Allow("a")
	l.Allow("b")
	assert.Equal(t, 2, l.Len())
	now = now.Add(2 * time.Minute)
	l.Allow("c")
	assert.Equal(t, 1, l.Len(), "idle, refilled buckets are dropped")
}

func TestLimiter_ZeroRateMeansNoLimit(t *testing.T) {
	l := New(0, 0)
	assert.Nil(t, l)
	for i := 0; i < 1000; i++ {
		ok, _ := l.Allow("k")
		assert.True(t, ok)
	}
}

func TestLimiter_ReturnRefundsATakenToken(t *testing.T) {
	now := time.Unix(1000, 0)
	l := New(1, 2)
	l.SetClock(func() time.Time { return now })
	for i := 0; i < 10; i++ {
		ok, _ := l.Allow("k")
		assert.True(t, ok, "attempt %d succeeded and gave its token back", i)
		l.Return("k")
	}
	l.Allow("k")
	l.Allow("k")
	ok, _ := l.Allow("k")
	assert.False(t, ok, "kept tokens count")
	l.Return("k")
	l.Return("k")
	l.Return("k")
	l.Allow("k")
	l.Allow("k")
	ok, _ = l.Allow("k")
	assert.False(t, ok, "returning never fills beyond the burst")
}

func TestLimiter_TakeTellsTheQuota(t *testing.T) {
	now := time.Unix(1000, 0)
	l := New(60, 3) // one a second, three at once
	l.SetClock(func() time.Time { return now })
	q := l.Take("k")
	assert.Equal(t, Quota{Allowed: true, Limit: 3, Remaining: 2, Reset: now.Add(time.Second)}, q)
	l.Take("k")
	q = l.Take("k")
	assert.True(t, q.Allowed)
	assert.Equal(t, 0, q.Remaining)
	assert.Equal(t, now.Add(3*time.Second), q.Reset, "full again three tokens later")
	q = l.Take("k")
	assert.False(t, q.Allowed)
	assert.Equal(t, time.Second, q.Wait)
	assert.Equal(t, 0, q.Remaining)

	assert.Equal(t, Quota{Allowed: true}, (*Limiter)(nil).Take("k"), "no limit: nothing to tell")
}
