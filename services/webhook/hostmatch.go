package webhook

import (
	"fmt"
	"net"
	"net/netip"
	"path"
	"strings"
)

// hostMatcher decides where deliveries may go, with the values of Gitea's
// [webhook] ALLOWED_HOST_LIST: "loopback" (127.0.0.0/8, ::1), "private"
// (RFC 1918 and RFC 4193), "external" (an address the IANA special-purpose
// registries call globally reachable; see isGlobal),
// "*" (anything), CIDRs, and host name globs such as *.example.com. A host
// name that matches a glob may resolve anywhere; otherwise every address the
// delivery connects to must be allowed, which also covers names that
// resolve to internal addresses.
type hostMatcher struct {
	all                         bool
	loopback, private, external bool
	nets                        []*net.IPNet
	globs                       []string
}

func parseHostList(list string) (*hostMatcher, error) {
	m := &hostMatcher{}
	for _, item := range strings.Split(list, ",") {
		item = strings.ToLower(strings.TrimSpace(item))
		switch item {
		case "":
		case "*":
			m.all = true
		case "loopback":
			m.loopback = true
		case "private":
			m.private = true
		case "external":
			m.external = true
		default:
			if strings.Contains(item, "/") {
				_, n, err := net.ParseCIDR(item)
				if err != nil {
					return nil, fmt.Errorf("[webhook] ALLOWED_HOST_LIST: %q is not a CIDR: %w", item, err)
				}
				m.nets = append(m.nets, n)
				continue
			}
			if _, err := path.Match(item, ""); err != nil {
				return nil, fmt.Errorf("[webhook] ALLOWED_HOST_LIST: %q is not a valid host pattern: %w", item, err)
			}
			m.globs = append(m.globs, item)
		}
	}
	return m, nil
}

// allowsHost reports whether the host name alone is enough.
func (m *hostMatcher) allowsHost(host string) bool {
	if m.all {
		return true
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	for _, g := range m.globs {
		if ok, _ := path.Match(g, host); ok {
			return true
		}
	}
	return false
}

// allowsIP reports whether a delivery may connect to ip. An IPv6 address
// that carries an IPv4 one (mapped, NAT64, 6to4, IPv4-compatible) is
// judged by the IPv4 address, which is where it leads.
func (m *hostMatcher) allowsIP(ip net.IP) bool {
	if m.all {
		return true
	}
	addr, ok := netip.AddrFromSlice(ip)
	if !ok {
		return false
	}
	v4, carries := embeddedIPv4(addr)
	target := addr
	if carries {
		target = v4
	}
	switch {
	case target.IsLoopback():
		if m.loopback {
			return true
		}
	case target.IsPrivate():
		if m.private {
			return true
		}
	case isGlobal(target):
		if m.external {
			return true
		}
	}
	for _, n := range m.nets {
		if n.Contains(ip) || (carries && n.Contains(net.IP(v4.AsSlice()))) {
			return true
		}
	}
	return false
}
