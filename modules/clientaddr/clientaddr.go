// Package clientaddr tells which address a request comes from, for the
// per-address limits and the audit log. It is the connection's peer, unless
// that peer is a reverse proxy the operator trusts ([server]
// TRUSTED_PROXIES): then it is the rightmost address in X-Forwarded-For that
// is not a trusted proxy, since each proxy appends the peer it saw and only
// the hops added by trusted proxies can be believed.
package clientaddr

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// maxHops bounds how many X-Forwarded-For entries are read, from the right;
// a chain of trusted proxies is never that long.
const maxHops = 32

// Resolver finds client addresses given the trusted proxies.
type Resolver struct {
	trusted []netip.Prefix
}

// New returns a resolver that believes X-Forwarded-For only from peers in
// trusted; with none, the peer is always the client.
func New(trusted []netip.Prefix) *Resolver {
	return &Resolver{trusted: trusted}
}

// Resolve returns the client address (no port) of a request from the peer
// remoteAddr ("host:port") with header h.
func (r *Resolver) Resolve(remoteAddr string, h http.Header) string {
	peer, ok := parseAddr(remoteAddr)
	if !ok {
		return hostOf(remoteAddr)
	}
	if !r.isTrusted(peer) {
		return peer.String()
	}
	hops := forwardedFor(h)
	client := peer
	for i := len(hops) - 1; i >= 0 && i >= len(hops)-maxHops; i-- {
		a, ok := parseAddr(hops[i])
		if !ok {
			break // a hop no proxy wrote: the last believable one is the client
		}
		client = a
		if !r.isTrusted(a) {
			break
		}
	}
	return client.String()
}

func (r *Resolver) isTrusted(a netip.Addr) bool {
	for _, p := range r.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// forwardedFor lists the X-Forwarded-For entries of every such header, in order.
func forwardedFor(h http.Header) []string {
	var hops []string
	for _, v := range h.Values("X-Forwarded-For") {
		for _, e := range strings.Split(v, ",") {
			hops = append(hops, strings.TrimSpace(e))
		}
	}
	return hops
}

// parseAddr reads "ip", "ip:port" or "[ipv6]:port"; an IPv4 address in
// IPv6 form is made IPv4, so both forms count as one client.
func parseAddr(s string) (netip.Addr, bool) {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap(), true
	}
	if a, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")); err == nil {
		return a.Unmap(), true
	}
	return netip.Addr{}, false
}

// hostOf drops a port from an address that is not an IP (a unix socket).
func hostOf(addr string) string {
	if host, _, err := net.SplitHostPort(addr); err == nil {
		return host
	}
	return addr
}

type addrKey struct{}

// Handler finds each request's client address once, for Of.
func (r *Resolver) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		addr := r.Resolve(req.RemoteAddr, req.Header)
		next.ServeHTTP(w, req.WithContext(context.WithValue(req.Context(), addrKey{}, addr)))
	})
}

// Of is the client address of the request whose context ctx is (also a
// runner call's, which carries its HTTP request's context). Without
// Handler in front, it is the host of remoteAddr, the connection's peer.
func Of(ctx context.Context, remoteAddr string) string {
	if a, ok := ctx.Value(addrKey{}).(string); ok {
		return a
	}
	return New(nil).Resolve(remoteAddr, nil)
}

// OfRequest is Of for an HTTP request.
func OfRequest(r *http.Request) string { return Of(r.Context(), r.RemoteAddr) }
