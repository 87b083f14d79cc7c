package clientaddr

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestResolve_TrustsForwardingOnlyFromTrustedProxies(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8:1::/48"), netip.MustParsePrefix("127.0.0.1/32")}
	for _, c := range []struct {
		name, peer string
		xff        []string
		trusted    []netip.Prefix
		want       string
	}{
		{"no proxy configured: the peer, whatever the header says", "198.51.100.1:4000", []string{"203.0.113.9"}, nil, "198.51.100.1"},
		{"untrusted peer: its header is ignored", "198.51.100.1:4000", []string{"203.0.113.9"}, proxies, "198.51.100.1"},
		{"trusted peer, no header: the proxy itself", "10.1.2.3:4000", nil, proxies, "10.1.2.3"},
		{"trusted peer: the hop it appended", "10.1.2.3:4000", []string{"203.0.113.9"}, proxies, "203.0.113.9"},
		{"a client's own entries on the left are not believed", "10.1.2.3:4000", []string{"192.0.2.66, 203.0.113.9"}, proxies, "203.0.113.9"},
		{"two trusted proxies: the rightmost untrusted hop", "10.1.2.3:4000", []string{"192.0.2.66, 203.0.113.9, 10.9.9.9"}, proxies, "203.0.113.9"},
		{"several headers read in order", "10.1.2.3:4000", []string{"192.0.2.66", "203.0.113.9", "10.9.9.9"}, proxies, "203.0.113.9"},
		{"every hop trusted: the leftmost", "10.1.2.3:4000", []string{"10.7.7.7, 10.9.9.9"}, proxies, "10.7.7.7"},
		{"garbage appended: the last believable hop", "10.1.2.3:4000", []string{"203.0.113.9, not-an-ip"}, proxies, "10.1.2.3"},
		{"garbage on the left stops nothing", "10.1.2.3:4000", []string{"<script>, 203.0.113.9"}, proxies, "203.0.113.9"},
		{"ports and brackets", "10.1.2.3:4000", []string{"[2001:db8:2::7]:443"}, proxies, "2001:db8:2::7"},
		{"IPv6 proxy, IPv4 client in IPv6 form", "[2001:db8:1::5]:4000", []string{"::ffff:203.0.113.9"}, proxies, "203.0.113.9"},
		{"IPv4 peer in IPv6 form", "[::ffff:198.51.100.1]:4000", nil, nil, "198.51.100.1"},
		{"not an IP peer", "@:0", nil, proxies, "@"},
	} {
		h := http.Header{}
		for _, v := range c.xff {
			h.Add("X-Forwarded-For", v)
		}
		assert.Equal(t, c.want, New(c.trusted).Resolve(c.peer, h), c.name)
	}
}

func TestResolve_ReadsABoundedNumberOfHops(t *testing.T) {
	r := New([]netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")})
	h := http.Header{}
	h.Set("X-Forwarded-For", "203.0.113.9, "+strings.Repeat("10.0.0.1, ", 1000)+"10.0.0.2")
	assert.Equal(t, "10.0.0.1", r.Resolve("10.1.2.3:4000", h), "past maxHops trusted hops, the last one read")
}

func TestHandler_PutsTheAddressInTheContext(t *testing.T) {
	r := New([]netip.Prefix{netip.MustParsePrefix("192.0.2.1/32")})
	var got string
	h := r.Handler(http.HandlerFunc(func(_ http.ResponseWriter, req *http.Request) { got = OfRequest(req) }))
	req := httptest.NewRequest("GET", "/", nil) // from 192.0.2.1:1234
	req.Header.Set("X-Forwarded-For", "203.0.113.9")
	h.ServeHTTP(httptest.NewRecorder(), req)
	assert.Equal(t, "203.0.113.9", got)
	assert.Equal(t, "198.51.100.1", Of(context.Background(), "198.51.100.1:99"), "without the handler: the peer")
}
