package webhook

import (
	"net"
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
