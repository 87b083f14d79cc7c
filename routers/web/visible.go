package web

import (
	"fmt"
	"strings"
)

// visible returns s with every character that would act on the page
// instead of showing — control characters and the ones that reorder or
// hide text, such as U+202E RIGHT-TO-LEFT OVERRIDE — written as Go escapes
// (\x1b, \u202e). Runners choose their names and labels; an admin must see
// what they really are. html/template escapes markup; this covers the rest.
func visible(s string) string {
	if !strings.ContainsFunc(s, isHidden) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case !isHidden(r):
			b.WriteRune(r)
		case r < 0x100:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
	}
	return b.String()
}

func visibleAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = visible(s)
	}
	return out
}

// isHidden reports characters not shown as themselves: C0 and C1 controls
// (tab and line ends aside), and the bidirectional and zero-width marks.
func isHidden(r rune) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r':
		return false
	case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
		return true
	case r >= 0x200b && r <= 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0xfeff:
		return true
	}
	return false
}
