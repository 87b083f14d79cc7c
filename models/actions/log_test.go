package actions

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLogLines_RoundTrip(t *testing.T) {
	lines := []LogLine{{UnixNano: 1, Content: "a"}, {UnixNano: -5, Content: ""}, {UnixNano: 1 << 62, Content: "ünïcode\x00\n<b>"}}
	got, err := DecodeLogLines(EncodeLogLines(lines))
	require.NoError(t, err)
	assert.Equal(t, lines, got)
	empty, err := DecodeLogLines(nil)
	require.NoError(t, err)
	assert.Empty(t, empty)
}

func TestDecodeLogLines_RejectsCorruption(t *testing.T) {
	data := EncodeLogLines([]LogLine{{UnixNano: 1, Content: "hello"}})
	_, err := DecodeLogLines(data[:len(data)-1])
	assert.Error(t, err, "a truncated chunk")
	_, err = DecodeLogLines([]byte{0x80})
	assert.Error(t, err, "a truncated varint")
}

func TestLabelKey_IsCanonical(t *testing.T) {
	a := LabelKey(CanonicalLabels([]string{"linux", "gpu", "linux"}))
	b := LabelKey(CanonicalLabels([]string{"gpu", "linux"}))
	assert.Equal(t, a, b)
	assert.Len(t, a, 64)
	assert.NotEqual(t, LabelKey([]string{"ab", "c"}), LabelKey([]string{"a", "bc"}), "label boundaries count")
}
