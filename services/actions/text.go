package actions

import (
	"strings"
	"unicode/utf8"
)

// isText reports whether s can be stored as text on every database:
// valid UTF-8 without NUL, which PostgreSQL refuses in text columns. Any
// other character is accepted and stored as is; pages escape it.
func isText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}
