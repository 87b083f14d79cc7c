package integration

import (
	"net/http"
	"net/url"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"code.runnerhub.dev/runnerhub/options"
	"code.runnerhub.dev/runnerhub/services/identity"
	"code.runnerhub.dev/runnerhub/tests/testserver"
)

// accountFailureBurst is how many wrong passwords an address may send for
// one account at once, as services/identity sets it.
const accountFailureBurst = 10

// stopPasswordClock stops the clock of the server's password limits, so
// that no attempt comes back however slowly the test runs (hashes are slow
// on purpose, and far slower under the race detector).
func stopPasswordClock(s *testserver.Server) {
	now := time.Now()
	s.App.Passwords().SetClock(func() time.Time { return now })
}

// TestPasswordGuessing_RefusedBeforeTheHash replays a password guesser on
// REST basic auth and counts the password hashes the server ran: bounded by
// the per-account burst, not by the guesses. The refusals are 429 with
// Retry-After; another account's right password from the same address still
// works, and the web sign-in shares the budget.
func TestPasswordGuessing_RefusedBeforeTheHash(t *testing.T) {
	s := testserver.Start(t, sqliteOnly())
	stopPasswordClock(s)
	newUser(t, s, "alice", false)
	_, bob := newUser(t, s, "bob", false)
	hashes := func() int64 { return s.App.Accounts().PasswordHashStats().Computed }

	const guesses = 60
	start := hashes()
	var refused int64
	for i := 0; i < guesses; i++ {
		res := apiCaller{s: s, header: basic("alice", "guess-"+strconv.Itoa(i))}.do(t, "GET", "/api/v1/user", nil)
		switch res.Status {
		case http.StatusTooManyRequests:
			refused++
			assert.NotEmpty(t, res.Header.Get("Retry-After"))
		case http.StatusUnauthorized:
		default:
			t.Fatalf("guess %d: status %d: %s", i, res.Status, res.Body)
		}
	}
	ran := hashes() - start
	assert.Equal(t, int64(accountFailureBurst), ran, "%d guesses ran %d password hashes", guesses, ran)
	assert.Equal(t, int64(guesses-accountFailureBurst), refused, "every other guess was refused before the hash")

	res := apiCaller{s: s, header: basic("bob", "bob-password")}.do(t, "GET", "/api/v1/user", nil)
	assert.Equal(t, http.StatusOK, res.Status, "bob signs in from the guesser's address: %s", res.Body)
	res = bob.do(t, "GET", "/api/v1/user", nil)
	assert.Equal(t, http.StatusOK, res.Status, "tokens are not limited by password failures")
	res = apiCaller{s: s, header: basic("alice", "alice-password")}.do(t, "GET", "/api/v1/user", nil)
	assert.Equal(t, http.StatusTooManyRequests, res.Status, "the guessed account waits at this address, right password or not")

	c := newWebClient(t, s)
	status, _, _ := c.post("/user/login", url.Values{"_csrf": {c.csrf("/user/login")}, "user_name": {"alice"}, "password": {"alice-password"}})
	assert.Equal(t, http.StatusTooManyRequests, status, "the web sign-in shares the budget")
	assert.Equal(t, http.StatusSeeOther, c.signIn("bob", "bob-password"))
}

// BenchmarkPasswordGuess_Refused is the cost to the server of a REST guess
// at an account that has used up its failures: reported as password hashes
// and CPU time (server and client, one process) per guess. The general API
// limit is off, so only the password limit is measured.
func BenchmarkPasswordGuess_Refused(b *testing.B) {
	s := testserver.Start(b, sqliteOnly(), func(o *options.Options) { o.API.RateLimit = 0 })
	now := time.Now()
	s.App.Passwords().SetClock(func() time.Time { return now })
	_, err := s.App.Accounts().CreateUser(s.Ctx, identity.CreateUserInput{Name: "alice", Password: "alice-password"})
	require.NoError(b, err)
	guess := func() int {
		req, err := http.NewRequest("GET", s.URL+"/api/v1/user", nil)
		require.NoError(b, err)
		req.SetBasicAuth("alice", "wrong-password")
		res, err := http.DefaultClient.Do(req)
		require.NoError(b, err)
		res.Body.Close()
		return res.StatusCode
	}
	for i := 0; i < accountFailureBurst; i++ {
		guess()
	}
	start := s.App.Accounts().PasswordHashStats().Computed
	cpu0 := cpuTime(b)
	for b.Loop() {
		if st := guess(); st != http.StatusTooManyRequests && st != http.StatusUnauthorized {
			b.Fatalf("status %d", st)
		}
	}
	b.ReportMetric(float64(s.App.Accounts().PasswordHashStats().Computed-start)/float64(b.N), "hashes/op")
	b.ReportMetric(float64((cpuTime(b)-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
}

// cpuTime is the CPU time this process has used, user and system.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	require.NoError(b, syscall.Getrusage(syscall.RUSAGE_SELF, &ru))
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
