// Package ratelimit keeps one token bucket per key (a user, a client
// address: see modules/clientaddr) in memory, so that no single caller can
// flood an endpoint.
package ratelimit

import (
	"math"
	"sync"
	"time"
)

// Limiter allows each key perMinute events a minute on average and burst of
// them at once. A nil Limiter allows everything.
type Limiter struct {
	rate  float64 // tokens per second
	burst float64
	now   func() time.Time

	mu        sync.Mutex
	buckets   map[string]*bucket
	lastSweep time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

// New returns a limiter, or nil (no limit) when perMinute is 0. A burst
// below 1 is raised to 1 so that a slow caller is never shut out.
func New(perMinute, burst int) *Limiter {
	if perMinute <= 0 {
		return nil
	}
	return &Limiter{
		rate:    float64(perMinute) / 60,
		burst:   math.Max(float64(burst), 1),
		now:     time.Now,
		buckets: map[string]*bucket{},
	}
}

// SetClock replaces the clock, for tests; also of a limiter in use by a
// running server.
func (l *Limiter) SetClock(now func() time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.now = now
}

// Allow takes one token from key's bucket. When there is none it reports
// false and how long until there is.
func (l *Limiter) Allow(key string) (bool, time.Duration) {
	if l == nil {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.sweep(now)
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[key] = b
	}
	b.tokens = math.Min(l.burst, b.tokens+now.Sub(b.at).Seconds()*l.rate)
	b.at = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	wait := time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
	return false, max(wait, time.Second) // Retry-After counts whole seconds
}

// sweep forgets buckets that have refilled, at most once a minute, so that
// memory stays bounded by the callers of the last few minutes.
func (l *Limiter) sweep(now time.Time) {
	if now.Sub(l.lastSweep) < time.Minute {
		return
	}
	l.lastSweep = now
	full := time.Duration(l.burst / l.rate * float64(time.Second))
	for k, b := range l.buckets {
		if now.Sub(b.at) >= full {
			delete(l.buckets, k)
		}
	}
}

// Len is how many keys are tracked, for tests and metrics.
func (l *Limiter) Len() int {
	if l == nil {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// Return gives back a token taken by Allow, for callers that count only
// some outcomes (failed attempts) but must take the token before they know
// the outcome, so that concurrent attempts cannot slip past the limit.
func (l *Limiter) Return(key string) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if b, ok := l.buckets[key]; ok {
		b.tokens = math.Min(l.burst, b.tokens+1)
	}
}
