package emu

import "strings"

// InitrdEntry is one module named on the -initrd option.
type InitrdEntry struct {
	Path   string // the file to read: the text up to the first space
	String string // the module's Multiboot string: the whole text, "path args"
}

// ParseInitrd splits an -initrd value as QEMU does: modules separated by
// commas, ",," standing for a literal comma; a module's text is "path
// args...", and the guest gets all of it as the module's string. Empty
// entries are dropped.
func ParseInitrd(spec string) []InitrdEntry {
	var out []InitrdEntry
	var cur strings.Builder
	flush := func() {
		s := cur.String()
		cur.Reset()
		if s == "" {
			return
		}
		path, _, _ := strings.Cut(s, " ")
		out = append(out, InitrdEntry{Path: path, String: s})
	}
	for i := 0; i < len(spec); i++ {
		if spec[i] != ',' {
			cur.WriteByte(spec[i])
			continue
		}
		if i+1 < len(spec) && spec[i+1] == ',' {
			cur.WriteByte(',')
			i++
			continue
		}
		flush()
	}
	flush()
	return out
}
