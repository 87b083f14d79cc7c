package webhook

import "net/netip"

// The IANA IPv4 and IPv6 Special-Purpose Address Registries, reduced to
// what "external" needs: the blocks whose addresses are not globally
// reachable, and the smaller blocks inside them that are. A block the
// registry marks N/A (6to4's relay anycast, Teredo) counts as not
// reachable; 6to4, NAT64 and IPv4-mapped or -compatible addresses are
// judged by the IPv4 address they carry (see embeddedIPv4).
var (
	notGlobalV4 = prefixes(
		"0.0.0.0/8",          // "this network"
		"10.0.0.0/8",         // private use
		"100.64.0.0/10",      // shared address space (carrier-grade NAT; some clouds' metadata)
		"127.0.0.0/8",        // loopback
		"169.254.0.0/16",     // link local
		"172.16.0.0/12",      // private use
		"192.0.0.0/24",       // IETF protocol assignments (service continuity, dummy, NAT64 discovery)
		"192.0.2.0/24",       // documentation (TEST-NET-1)
		"192.88.99.0/24",     // deprecated 6to4 relay anycast, 6a44 relay
		"192.168.0.0/16",     // private use
		"198.18.0.0/15",      // benchmarking
		"198.51.100.0/24",    // documentation (TEST-NET-2)
		"203.0.113.0/24",     // documentation (TEST-NET-3)
		"240.0.0.0/4",        // reserved
		"255.255.255.255/32", // limited broadcast
	)
	globalInV4 = prefixes(
		"192.0.0.9/32",  // Port Control Protocol anycast
		"192.0.0.10/32", // TURN anycast
	)
	notGlobalV6 = prefixes(
		"::/128",         // unspecified
		"::1/128",        // loopback
		"64:ff9b:1::/48", // IPv4-IPv6 translation, local use
		"100::/64",       // discard only
		"100:0:0:1::/64", // dummy prefix
		"2001::/23",      // IETF protocol assignments (Teredo, benchmarking, ORCHID)
		"2001:db8::/32",  // documentation
		"3fff::/20",      // documentation
		"5f00::/16",      // segment routing SIDs
		"fc00::/7",       // unique local
		"fe80::/10",      // link local
		"fec0::/10",      // site local, deprecated
	)
	globalInV6 = prefixes(
		"2001:1::1/128",   // Port Control Protocol anycast
		"2001:1::2/128",   // TURN anycast
		"2001:1::3/128",   // DNS-SD service registration anycast
		"2001:3::/32",     // AMT
		"2001:4:112::/48", // AS112-v6
		"2001:20::/28",    // ORCHIDv2
		"2001:30::/28",    // drone remote ID entity tags
	)
	// globalUnicastV6 is the only IPv6 space allocated for global unicast.
	globalUnicastV6 = netip.MustParsePrefix("2000::/3")

	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour = netip.MustParsePrefix("2002::/16")
	v4Compat  = netip.MustParsePrefix("::/96")
)

func prefixes(ss ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParsePrefix(s)
	}
	return out
}

func inAny(a netip.Addr, ps []netip.Prefix) bool {
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// embeddedIPv4 returns the IPv4 address an IPv6 address carries and
// reaches in the end: IPv4-mapped (::ffff:a.b.c.d), NAT64 (64:ff9b::a.b.c.d,
// the well-known prefix), 6to4 (2002:aabb:ccdd::/48) and the deprecated
// IPv4-compatible form (::a.b.c.d). An IPv4 address is returned as it is.
func embeddedIPv4(a netip.Addr) (netip.Addr, bool) {
	a = a.WithZone("")
	if a.Is4() || a.Is4In6() {
		return a.Unmap(), true
	}
	b := a.As16()
	switch {
	case nat64.Contains(a):
		return netip.AddrFrom4([4]byte(b[12:16])), true
	case sixToFour.Contains(a):
		return netip.AddrFrom4([4]byte(b[2:6])), true
	case v4Compat.Contains(a) && !a.IsUnspecified() && !a.IsLoopback():
		return netip.AddrFrom4([4]byte(b[12:16])), true
	}
	return a, false
}

// isGlobal reports whether a is globally reachable by the registries; an
// address carrying an IPv4 one is judged by that.
func isGlobal(a netip.Addr) bool {
	a, _ = embeddedIPv4(a)
	if a.Is4() {
		if inAny(a, globalInV4) {
			return true
		}
		return !a.IsMulticast() && !inAny(a, notGlobalV4)
	}
	if inAny(a, globalInV6) {
		return true
	}
	return globalUnicastV6.Contains(a) && !inAny(a, notGlobalV6)
}
