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
	q := l.Take(key)
	return q.Allowed, q.Wait
}

// Quota is what Take tells of a key's bucket, in the terms of GitHub's
// X-RateLimit-* headers: Limit is the bucket's size (what may come at once),
// Remaining the whole tokens left after this request, Reset when the bucket
// is full again.
type Quota struct {
	Allowed   bool
	Wait      time.Duration // when refused: until one token is back, at least 1 s
	Limit     int
	Remaining int
	Reset     time.Time
}

// Take takes one token from key's bucket and tells where the bucket stands.
// A nil Limiter allows everything and reports a zero Limit.
func (l *Limiter) Take(key string) Quota {
	if l == nil {
		return Quota{Allowed: true}
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
	q := Quota{Limit: int(l.burst)}
	if b.tokens >= 1 {
		b.tokens--
		q.Allowed = true
	} else {
		wait := time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
		q.Wait = max(wait, time.Second) // Retry-After counts whole seconds
	}
	q.Remaining = int(b.tokens)
	q.Reset = now.Add(time.Duration((l.burst - b.tokens) / l.rate * float64(time.Second)))
	return q
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
