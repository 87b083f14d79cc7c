package actions

import (
	"reflect"
	"testing"
)

// FuzzDecodeLogLines reads arbitrary bytes as a stored log chunk: decoding
// must not panic or over-read, and what it accepts must survive another
// trip through the encoder unchanged.
func FuzzDecodeLogLines(f *testing.F) {
	f.Add(EncodeLogLines([]LogLine{{UnixNano: 1, Content: "hello"}, {UnixNano: -5, Content: ""}}))
	f.Add([]byte{0x02, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}) // a length larger than the data
	f.Add([]byte{0x80})                                                             // a cut varint
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		lines, err := DecodeLogLines(data)
		if err != nil {
			return
		}
		total := 0
		for _, l := range lines {
			total += len(l.Content)
		}
		if total > len(data) {
			t.Fatalf("decoded %d content bytes from %d bytes", total, len(data))
		}
		again, err := DecodeLogLines(EncodeLogLines(lines))
		if err != nil {
			t.Fatalf("re-encoded lines do not decode: %v", err)
		}
		if len(lines) == 0 && len(again) == 0 {
			return
		}
		if !reflect.DeepEqual(lines, again) {
			t.Fatalf("round trip changed the lines: %+v != %+v", lines, again)
		}
	})
}

// FuzzEncodeLogLines stores rows of any content and time and reads them back.
func FuzzEncodeLogLines(f *testing.F) {
	f.Add(int64(0), "", int64(-1), "\x00\xff<script>")
	f.Add(int64(1<<62), "line\r\n", int64(-1<<63), "\u202e")
	f.Fuzz(func(t *testing.T, t1 int64, c1 string, t2 int64, c2 string) {
		in := []LogLine{{UnixNano: t1, Content: c1}, {UnixNano: t2, Content: c2}, {UnixNano: t1 ^ t2, Content: c1 + c2}}
		out, err := DecodeLogLines(EncodeLogLines(in))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(in, out) {
			t.Fatalf("%+v != %+v", in, out)
		}
	})
}
