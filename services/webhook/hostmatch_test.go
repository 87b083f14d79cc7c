package webhook

import (
	"fmt"
	"net"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHostMatcher_GiteaValues(t *testing.T) {
	for _, tc := range []struct {
		list    string
		host    string
		ip      string
		allowed bool
	}{
		{"external", "example.com", "93.184.216.34", true},
		{"external", "localhost", "127.0.0.1", false},
		{"external", "intranet", "10.1.2.3", false},
		{"external", "metadata", "169.254.169.254", false},
		{"external", "v6", "::1", false},
		{"loopback", "localhost", "127.0.0.1", true},
		{"loopback", "localhost", "::1", true},
		{"loopback", "example.com", "93.184.216.34", false},
		{"private", "intranet", "192.168.1.10", true},
		{"private", "intranet", "fd00::1", true},
		{"private", "localhost", "127.0.0.1", false},
		{"*", "anything", "169.254.169.254", true},
		{"10.0.0.0/8", "intranet", "10.9.9.9", true},
		{"10.0.0.0/8", "intranet", "11.0.0.1", false},
		{"*.corp.example", "ci.build.corp.example", "10.0.0.5", true},
		{"*.corp.example", "corp.example", "10.0.0.5", false},
		{"external, loopback", "localhost", "127.0.0.1", true},
		{"", "example.com", "93.184.216.34", false},
	} {
		m, err := parseHostList(tc.list)
		require.NoError(t, err, tc.list)
		got := m.allowsHost(tc.host) || m.allowsIP(net.ParseIP(tc.ip))
		assert.Equal(t, tc.allowed, got, "%q: %s (%s)", tc.list, tc.host, tc.ip)
	}
	_, err := parseHostList("external, 10.0.0.0/33")
	assert.ErrorContains(t, err, "not a CIDR")
	_, err = parseHostList("[bad")
	assert.ErrorContains(t, err, "not a valid host pattern")
}

// lastAddr is the highest address of p.
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// TestHostMatcher_ExternalFollowsTheRegistries: with "external", every
// address of a block that is not globally reachable is refused, first and
// last alike, and the reachable blocks inside them are allowed; so is a
// public address. An IPv6 address that carries an IPv4 one (IPv4-mapped,
// NAT64, 6to4, IPv4-compatible) is judged by the IPv4 address.
func TestHostMatcher_ExternalFollowsTheRegistries(t *testing.T) {
	// registry is every entry of the IANA IPv4 and IPv6 Special-Purpose
	// Address Registries with whether it is globally reachable (N/A read as
	// not), written out here apart from the matcher's own tables.
	registry := []struct {
		block  string
		global bool
	}{
		{"0.0.0.0/8", false}, {"0.0.0.0/32", false}, {"10.0.0.0/8", false}, {"100.64.0.0/10", false},
		{"127.0.0.0/8", false}, {"169.254.0.0/16", false}, {"172.16.0.0/12", false},
		{"192.0.0.0/24", false}, {"192.0.0.0/29", false}, {"192.0.0.8/32", false},
		{"192.0.0.9/32", true}, {"192.0.0.10/32", true}, {"192.0.0.170/32", false}, {"192.0.0.171/32", false},
		{"192.0.2.0/24", false}, {"192.31.196.0/24", true}, {"192.52.193.0/24", true},
		{"192.88.99.0/24", false}, {"192.88.99.2/32", false}, {"192.168.0.0/16", false}, {"192.175.48.0/24", true},
		{"198.18.0.0/15", false}, {"198.51.100.0/24", false}, {"203.0.113.0/24", false},
		{"240.0.0.0/4", false}, {"255.255.255.255/32", false},

		{"::1/128", false}, {"::/128", false}, {"64:ff9b:1::/48", false},
		{"100::/64", false}, {"100:0:0:1::/64", false}, {"2001::/23", false}, {"2001::/32", false},
		{"2001:1::1/128", true}, {"2001:1::2/128", true}, {"2001:1::3/128", true}, {"2001:2::/48", false},
		{"2001:3::/32", true}, {"2001:4:112::/48", true}, {"2001:10::/28", false}, {"2001:20::/28", true},
		{"2001:30::/28", true}, {"2001:db8::/32", false}, {"2620:4f:8000::/48", true}, {"3fff::/20", false},
		{"5f00::/16", false}, {"fc00::/7", false}, {"fe80::/10", false},
	}
	m, err := parseHostList("external")
	require.NoError(t, err)
	allowed := func(a netip.Addr) bool { return m.allowsIP(net.IP(a.AsSlice())) }
	for _, e := range registry {
		p := netip.MustParsePrefix(e.block)
		for _, a := range []netip.Addr{p.Addr(), lastAddr(p)} {
			if e.global != allowed(a) {
				t.Errorf("%s (%s): allowed %v, want %v", a, e.block, !e.global, e.global)
			}
			if a.Is4() {
				b := a.As4()
				for _, form := range []string{
					"::ffff:" + a.String(),
					"64:ff9b::" + a.String(),
					fmt.Sprintf("2002:%02x%02x:%02x%02x::1", b[0], b[1], b[2], b[3]),
					"::" + a.String(),
				} {
					v6 := netip.MustParseAddr(form)
					if e.global != allowed(v6) {
						t.Errorf("%s carrying %s (%s): allowed %v, want %v", v6, a, e.block, !e.global, e.global)
					}
				}
			}
		}
	}
	for _, tc := range []struct {
		ip      string
		allowed bool
	}{
		{"93.184.216.34", true}, {"8.8.8.8", true}, {"100.63.255.255", true}, {"100.128.0.0", true},
		{"198.17.255.255", true}, {"198.20.0.0", true}, {"223.255.255.255", true},
		{"2606:4700:4700::1111", true}, {"2a00:1450::1", true},
		{"::ffff:8.8.8.8", true}, {"64:ff9b::808:808", true}, {"2002:808:808::1", true},
		{"100.100.100.200", false}, // a cloud metadata address in the shared space
		{"64:ff9b::a9fe:a9fe", false}, {"64:ff9b::7f00:1", false}, {"2002:a00:1::1", false}, {"2002:c0a8:101::", false},
		{"::a00:1", false}, {"::ffff:169.254.169.254", false},
		{"224.0.0.1", false}, {"239.255.255.250", false}, {"ff02::1", false}, {"ff0e::1", false},
		{"4000::1", false}, {"fec0::1", false}, {"2001:0:4136:e378:8000:63bf:3fff:fdd2", false}, // Teredo
	} {
		assert.Equal(t, tc.allowed, allowed(netip.MustParseAddr(tc.ip)), tc.ip)
	}
}

// TestHostMatcher_EmbeddedAddressesKeepTheirKind: "loopback", "private"
// and CIDRs see the IPv4 address an IPv6 one carries as well.
func TestHostMatcher_EmbeddedAddressesKeepTheirKind(t *testing.T) {
	for _, tc := range []struct {
		list, ip string
		allowed  bool
	}{
		{"loopback", "64:ff9b::7f00:1", true},
		{"loopback", "::ffff:127.0.0.1", true},
		{"private", "2002:a00:1::1", true},
		{"private", "64:ff9b::c0a8:101", true},
		{"10.0.0.0/8", "2002:a00:1::1", true},
		{"10.0.0.0/8", "::ffff:10.1.1.1", true},
		{"private", "2002:808:808::1", false},
	} {
		m, err := parseHostList(tc.list)
		require.NoError(t, err)
		assert.Equal(t, tc.allowed, m.allowsIP(net.ParseIP(tc.ip)), "%q: %s", tc.list, tc.ip)
	}
}
