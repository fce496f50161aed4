package gdbproto

import (
	"errors"
	"fmt"
)

// Hex helpers for packet fields: numbers are big-endian hex digits
// ("1000"), memory and registers are byte strings in hex, two digits a
// byte, in target (little-endian) order.

// ErrHex is a malformed hex field.
var ErrHex = errors.New("gdbproto: bad hex")

// ParseUint parses a hex number of at most 32 bits.
func ParseUint(s []byte) (uint32, error) {
	if len(s) == 0 || len(s) > 8 {
		return 0, fmt.Errorf("%w: %q", ErrHex, s)
	}
	var v uint32
	for _, b := range s {
		d, ok := hexVal(b)
		if !ok {
			return 0, fmt.Errorf("%w: %q", ErrHex, s)
		}
		v = v<<4 | uint32(d)
	}
	return v, nil
}

// DecodeHex turns hex digit pairs into bytes.
func DecodeHex(s []byte) ([]byte, error) {
	if len(s)%2 != 0 {
		return nil, fmt.Errorf("%w: odd length %d", ErrHex, len(s))
	}
	out := make([]byte, len(s)/2)
	for k := range out {
		v, ok := parseHexByte(s[2*k], s[2*k+1])
		if !ok {
			return nil, fmt.Errorf("%w: %q", ErrHex, s[2*k:2*k+2])
		}
		out[k] = v
	}
	return out, nil
}

// AppendHex appends b as hex digit pairs.
func AppendHex(dst, b []byte) []byte {
	for _, x := range b {
		dst = append(dst, hexDigits[x>>4], hexDigits[x&15])
	}
	return dst
}

// AppendHex32LE appends v as four little-endian bytes in hex (a 32-bit
// register in a 'g' reply).
func AppendHex32LE(dst []byte, v uint32) []byte {
	return AppendHex(dst, []byte{byte(v), byte(v >> 8), byte(v >> 16), byte(v >> 24)})
}
