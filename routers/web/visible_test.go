package web

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestVisible_ShowsWhatWouldHide(t *testing.T) {
	for in, want := range map[string]string{
		"plain runner":        "plain runner",
		"ünïcode ok":          "ünïcode ok",
		"<b>left to html</b>": "<b>left to html</b>",
		"tab\tand\nlines":     "tab\tand\nlines",
		"red\x1b[31m\x07":     `red\x1b[31m\x07`,
		"nul\x00del\x7f":      `nul\x00del\x7f`,
		"c1\u0085":            `c1\x85`,
		"abc\u202egnp.exe":    `abc\u202egnp.exe`,
		"zero\u200bwidth":     `zero\u200bwidth`,
		"\ufeffbom":           `\ufeffbom`,
	} {
		assert.Equal(t, want, visible(in), "%q", in)
	}
	assert.Equal(t, []string{`a\x00`, "b"}, visibleAll([]string{"a\x00", "b"}))
}
