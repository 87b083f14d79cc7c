package web

import (
	"net/url"
	"strings"
)

// maxRedirectLen bounds what is accepted as a place to go back to; the pages'
// own addresses are far shorter.
const maxRedirectLen = 2048

// maxRedirectDecodes is how many layers of percent-encoding are looked
// through; an address still encoded deeper than that is refused.
const maxRedirectDecodes = 3

// safeRedirect keeps a redirect after sign-in on this site: it returns to
// when it is a path here, else "/".
//
// Browsers read a Location leniently: they drop tabs and newlines anywhere,
// take "\" for "/" and "//host" for another site, so "/\t/evil.example" or
// "/\\evil.example" would leave the site. A path is accepted only when it
// and each of its percent-decodings start with exactly one "/" and hold no
// backslash and no control character, and the raw form is printable ASCII
// that parses with no scheme, user or host.
func safeRedirect(to string) string {
	if isSitePath(to) {
		return to
	}
	return "/"
}

func isSitePath(to string) bool {
	if len(to) > maxRedirectLen || !isPrintableASCII(to) {
		return false
	}
	s := to
	for i := 0; ; i++ {
		if !startsOneSlash(s) || strings.ContainsFunc(s, func(c rune) bool { return c == '\\' || c < 0x20 || c == 0x7f }) {
			return false
		}
		d, err := url.PathUnescape(s)
		if err != nil {
			return false
		}
		if d == s {
			break
		}
		if i == maxRedirectDecodes {
			return false
		}
		s = d
	}
	u, err := url.Parse(to)
	return err == nil && u.Scheme == "" && u.User == nil && u.Host == "" && u.Opaque == "" && startsOneSlash(u.Path)
}

func startsOneSlash(s string) bool {
	return strings.HasPrefix(s, "/") && !strings.HasPrefix(s, "//")
}

// isPrintableASCII is true for "!" to "~": no space, control or other
// character a browser might drop or read differently.
func isPrintableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}
