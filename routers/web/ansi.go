package web

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// logSegment is a run of a log line's text with one look; Class names the
// look (empty for plain text). The page and the live follow both show Text
// as text, never as markup.
type logSegment struct {
	Text  string `json:"t"`
	Class string `json:"c,omitempty"`
}

// ansiStyle is the look the SGR sequences seen so far give the text.
type ansiStyle struct {
	bold, dim, italic, underline, inverse bool
	fg, bg                                int // 0-15, or -1 for the default
}

func (s ansiStyle) class() string {
	var c []string
	fg, bg := s.fg, s.bg
	if s.inverse {
		fg, bg = bg, fg
		if fg < 0 {
			fg = 16 // the page's background colour as a foreground
		}
		if bg < 0 {
			bg = 16 // the page's text colour as a background
		}
	}
	if s.bold {
		c = append(c, "ansi-bold")
	}
	if s.dim {
		c = append(c, "ansi-dim")
	}
	if s.italic {
		c = append(c, "ansi-italic")
	}
	if s.underline {
		c = append(c, "ansi-underline")
	}
	if fg >= 0 {
		c = append(c, "ansi-fg-"+strconv.Itoa(fg))
	}
	if bg >= 0 {
		c = append(c, "ansi-bg-"+strconv.Itoa(bg))
	}
	return strings.Join(c, " ")
}

// ansiSegments splits a log line into segments by its terminal escapes.
// SGR sequences (ESC [ … m) set the look of the text after them: bold,
// dim, italic, underline, inverse and the 16 colours, with 256-colour and
// true-colour values drawn as the nearest of the 16 (the page's policy
// allows no inline style). Other escape sequences (cursor moves, erasing,
// window titles) are dropped; an escape that does not finish, and every
// other character that would hide or reorder text, is shown as an escape
// like visible does, in class ansi-ctl.
func ansiSegments(line string) []logSegment {
	var out []logSegment
	style := ansiStyle{fg: -1, bg: -1}
	var text strings.Builder
	emit := func() {
		if text.Len() > 0 {
			out = append(out, logSegment{Text: text.String(), Class: style.class()})
			text.Reset()
		}
	}
	control := func(s string) {
		emit()
		out = append(out, logSegment{Text: visible(s), Class: "ansi-ctl"})
	}
	for i := 0; i < len(line); {
		c := line[i]
		switch {
		case c == 0x1b:
			n, params, final := escapeAt(line[i:])
			switch {
			case n == 0: // does not finish: show it
				control(line[i : i+1])
				i++
				continue
			case final == 'm':
				emit()
				style = style.apply(params)
			}
			i += n // any other finished sequence is dropped
		default:
			r, size := utf8.DecodeRuneInString(line[i:])
			switch {
			case r == utf8.RuneError && size == 1: // not UTF-8: show the byte
				emit()
				out = append(out, logSegment{Text: fmt.Sprintf(`\x%02x`, c), Class: "ansi-ctl"})
			case isHidden(r):
				control(line[i : i+size])
			default:
				text.WriteString(line[i : i+size])
			}
			i += size
		}
	}
	emit()
	return out
}

// escapeAt measures the escape sequence at the start of s: its length (0
// when it does not finish), and for a CSI sequence its parameters and
// final byte.
func escapeAt(s string) (n int, params string, final byte) {
	if len(s) < 2 {
		return 0, "", 0
	}
	switch {
	case s[1] == '[': // CSI: parameters and intermediates, then a final byte
		for j := 2; j < len(s); j++ {
			switch b := s[j]; {
			case b >= 0x40 && b <= 0x7e:
				return j + 1, s[2:j], b
			case b < 0x20 || b > 0x7e: // not part of a sequence: it does not finish
				return 0, "", 0
			}
		}
	case s[1] == ']': // OSC: up to BEL or ESC \
		for j := 2; j < len(s); j++ {
			if s[j] == 0x07 {
				return j + 1, "", 0
			}
			if s[j] == 0x1b && j+1 < len(s) && s[j+1] == '\\' {
				return j + 2, "", 0
			}
		}
	case s[1] >= 0x40 && s[1] <= 0x5f: // a two-byte escape
		return 2, "", 0
	}
	return 0, "", 0
}

// apply reads SGR parameters ("1;32", "38;5;208", "38:2::255:0:0").
func (s ansiStyle) apply(params string) ansiStyle {
	codes := strings.FieldsFunc(strings.ReplaceAll(params, ":", ";"), func(r rune) bool { return r == ';' })
	if len(codes) == 0 { // ESC [ m resets
		codes = []string{"0"}
	}
	num := func(i int) int {
		if i >= len(codes) {
			return -1
		}
		n, err := strconv.Atoi(codes[i])
		if err != nil {
			return -1
		}
		return n
	}
	for i := 0; i < len(codes); i++ {
		switch n := num(i); {
		case n == 0:
			s = ansiStyle{fg: -1, bg: -1}
		case n == 1:
			s.bold = true
		case n == 2:
			s.dim = true
		case n == 3:
			s.italic = true
		case n == 4:
			s.underline = true
		case n == 7:
			s.inverse = true
		case n == 22:
			s.bold, s.dim = false, false
		case n == 23:
			s.italic = false
		case n == 24:
			s.underline = false
		case n == 27:
			s.inverse = false
		case n >= 30 && n <= 37:
			s.fg = n - 30
		case n == 39:
			s.fg = -1
		case n >= 40 && n <= 47:
			s.bg = n - 40
		case n == 49:
			s.bg = -1
		case n >= 90 && n <= 97:
			s.fg = n - 90 + 8
		case n >= 100 && n <= 107:
			s.bg = n - 100 + 8
		case n == 38 || n == 48:
			colour, used := extendedColour(num, i+1)
			if colour >= 0 {
				if n == 38 {
					s.fg = colour
				} else {
					s.bg = colour
				}
			}
			i += used
		}
	}
	return s
}

// extendedColour reads "5;n" or "2;r;g;b" at i and returns the nearest of
// the 16 colours (-1 if malformed) and how many codes it used.
func extendedColour(num func(int) int, i int) (int, int) {
	switch num(i) {
	case 5:
		n := num(i + 1)
		switch {
		case n < 0 || n > 255:
			return -1, 2
		case n < 16:
			return n, 2
		case n < 232: // the 6×6×6 cube
			n -= 16
			level := func(v int) int {
				if v == 0 {
					return 0
				}
				return 55 + 40*v
			}
			return nearest16(level(n/36), level(n/6%6), level(n%6)), 2
		default: // 24 greys
			g := 8 + 10*(n-232)
			return nearest16(g, g, g), 2
		}
	case 2:
		r, g, b := num(i+1), num(i+2), num(i+3)
		if r < 0 || g < 0 || b < 0 || r > 255 || g > 255 || b > 255 {
			return -1, 4
		}
		return nearest16(r, g, b), 4
	}
	return -1, 1
}

// nearest16 maps a colour to the nearest of the 16: the channels at least
// half as strong as the strongest make the hue, a strong one the bright
// variant.
func nearest16(r, g, b int) int {
	top := max(r, g, b)
	switch {
	case top < 48:
		return 0
	case r == g && g == b: // a grey
		switch {
		case top < 128:
			return 8
		case top < 224:
			return 7
		}
		return 15
	}
	c := 0
	for bit, v := range []int{r, g, b} {
		if 2*v >= top {
			c |= 1 << bit
		}
	}
	if top >= 192 {
		c += 8
	}
	return c
}
