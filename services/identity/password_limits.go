package identity

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"code.runnerhub.dev/runnerhub/modules/errs"
	"code.runnerhub.dev/runnerhub/modules/ratelimit"
)

// Failed password attempts allowed, counted before the password is hashed,
// so a refused attempt costs no hash. Good passwords are not counted.
const (
	// Per source address and account: as the web sign-in always allowed, a
	// burst, then one a minute on average. A guesser of one account cannot
	// lock other accounts out of a shared address.
	accountFailuresPerMinute = 5
	accountFailureBurst      = 10
	// Per source address across accounts: looser, for offices behind one
	// address, but a guesser spraying many accounts is stopped too.
	addressFailuresPerMinute = 30
	addressFailureBurst      = 60
	// maxLoginKeyLen bounds the memory one tracked attempt takes; names
	// and addresses are far shorter.
	maxLoginKeyLen = 255
)

// PasswordLimits refuses password attempts over the limits before the
// password is checked, for the web sign-in and REST basic auth alike (one
// PasswordLimits serves both, so they share the budget). It works with any
// Provider.
type PasswordLimits struct {
	perAccount *ratelimit.Limiter
	perAddress *ratelimit.Limiter
}

// NewPasswordLimits returns the limits with their default rates.
func NewPasswordLimits() *PasswordLimits {
	return &PasswordLimits{
		perAccount: ratelimit.New(accountFailuresPerMinute, accountFailureBurst),
		perAddress: ratelimit.New(addressFailuresPerMinute, addressFailureBurst),
	}
}

// SetClock replaces the clock, for tests.
func (l *PasswordLimits) SetClock(now func() time.Time) {
	l.perAccount.SetClock(now)
	l.perAddress.SetClock(now)
}

// TooManyAttempts is the refusal of an attempt over a limit; it is an
// errs.ResourceExhausted. Wait is how long until the next attempt counts.
type TooManyAttempts struct {
	Wait time.Duration
}

func (e *TooManyAttempts) Error() string {
	return fmt.Sprintf("%v: too many failed sign-ins; try again in %d s", errs.ResourceExhausted, e.Seconds())
}

func (e *TooManyAttempts) Unwrap() error { return errs.ResourceExhausted }

// Seconds is Wait in whole seconds, rounded up, for Retry-After.
func (e *TooManyAttempts) Seconds() int { return int(math.Ceil(e.Wait.Seconds())) }

// UserByPassword checks login and password with p, unless the address, or
// the address for this account, has failed too often lately. addr is the
// client address (host, no port).
func (l *PasswordLimits) UserByPassword(ctx context.Context, p Provider, addr, login, password string) (*User, error) {
	account := addr + "\x00" + loginKey(login)
	// Both tokens are taken before the outcome is known, so that many
	// concurrent guesses cannot all pass; they are given back on success.
	if ok, wait := l.perAccount.Allow(account); !ok {
		return nil, &TooManyAttempts{Wait: wait}
	}
	if ok, wait := l.perAddress.Allow(addr); !ok {
		l.perAccount.Return(account)
		return nil, &TooManyAttempts{Wait: wait}
	}
	u, err := p.UserByPassword(ctx, login, password)
	if !errors.Is(err, errs.Unauthenticated) { // only wrong passwords count
		l.perAccount.Return(account)
		l.perAddress.Return(addr)
	}
	return u, err
}

// loginKey is the account a login names, as the limit counts it: names
// are matched without regard to case.
func loginKey(login string) string {
	k := strings.ToLower(strings.TrimSpace(login))
	if len(k) > maxLoginKeyLen {
		k = k[:maxLoginKeyLen]
	}
	return k
}
