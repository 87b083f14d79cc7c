package rpc

import (
	"strings"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

// Newer runners send their capabilities in fields this protocol version does
// not know (RegisterRequest 8, DeclareRequest 3: repeated string), so they
// are read from the message's unknown fields.
const (
	registerCapabilitiesField protowire.Number = 8
	declareCapabilitiesField  protowire.Number = 3
)

// capabilitiesHeader is where act_runner reads the server's capabilities
// from Declare's answer: a comma-separated list.
const capabilitiesHeader = "X-Gitea-Actions-Capabilities"

// serverCapabilities are what this server offers beyond the base protocol.
var serverCapabilities = strings.Join([]string{"cancelling", "ephemeral", "deregister"}, ",")

// unknownStrings returns the string values of field num among m's unknown fields.
func unknownStrings(m proto.Message, num protowire.Number) []string {
	var out []string
	b := m.ProtoReflect().GetUnknown()
	for len(b) > 0 {
		n, typ, l := protowire.ConsumeTag(b)
		if l < 0 {
			return out
		}
		b = b[l:]
		if n == num && typ == protowire.BytesType {
			v, l := protowire.ConsumeBytes(b)
			if l < 0 {
				return out
			}
			out = append(out, string(v))
			b = b[l:]
			continue
		}
		l = protowire.ConsumeFieldValue(n, typ, b)
		if l < 0 {
			return out
		}
		b = b[l:]
	}
	return out
}
