package trace

import (
	"debug/dwarf"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Symbols: ELF symbol tables and DWARF line tables of the kernel and the
// programs the guest runs. A Table is one binary; a Symbolizer chooses
// the tables that apply to an address in an address space:
//
//	global tables   the kernel and the Multiboot modules that are ELF
//	                files: valid in every address space
//	space tables    keyed by CR3: a user process's program (later issues
//	                add them as the kernel creates processes)
//
// A lookup tries the space's tables first, then the global ones.

// Symbol is one function or object of a binary.
type Symbol struct {
	Name  string
	Addr  uint32
	Size  uint32 // 0 when the ELF symbol has no size
	Table *Table
}

// Contains reports whether addr lies inside the symbol (its size, or its
// address alone when it has no size).
func (s *Symbol) Contains(addr uint32) bool {
	if s.Size == 0 {
		return addr == s.Addr
	}
	return addr-s.Addr < s.Size
}

// Table is the symbols and line numbers of one ELF binary.
type Table struct {
	Name  string
	syms  []Symbol // sorted by Addr
	lines []lineRow
	files []string
}

// lineRow is one DWARF line-table row: addresses from addr up to the next
// row (or an end of sequence) come from file:line.
type lineRow struct {
	addr uint32
	file int32 // index in Table.files; -1: end of sequence
	line int32
}

// LoadELF reads the function and object symbols of a 32-bit ELF file
// and, when it has DWARF, its line table. A file without symbols gives an
// empty table, not an error; a file that is not ELF is an error.
func LoadELF(name string, r io.ReaderAt) (*Table, error) {
	f, err := elf.NewFile(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	defer f.Close()
	t := &Table{Name: name}
	syms, err := f.Symbols()
	if err != nil && !errors.Is(err, elf.ErrNoSymbols) {
		return nil, fmt.Errorf("%s: symbols: %w", name, err)
	}
	for _, s := range syms {
		typ := elf.ST_TYPE(s.Info)
		if (typ != elf.STT_FUNC && typ != elf.STT_OBJECT && typ != elf.STT_NOTYPE) ||
			s.Name == "" || s.Section == elf.SHN_UNDEF || s.Section == elf.SHN_ABS ||
			strings.HasPrefix(s.Name, ".") || s.Value > 0xFFFFFFFF {
			continue
		}
		t.syms = append(t.syms, Symbol{Name: s.Name, Addr: uint32(s.Value), Size: uint32(s.Size), Table: t})
	}
	// By address; at one address a sized function before an unsized label.
	sort.SliceStable(t.syms, func(i, j int) bool {
		if t.syms[i].Addr != t.syms[j].Addr {
			return t.syms[i].Addr < t.syms[j].Addr
		}
		return t.syms[i].Size > t.syms[j].Size
	})
	if d, err := f.DWARF(); err == nil {
		if err := t.loadLines(d); err != nil {
			return nil, fmt.Errorf("%s: DWARF lines: %w", name, err)
		}
	}
	return t, nil
}

// loadLines reads every compilation unit's line program.
func (t *Table) loadLines(d *dwarf.Data) error {
	fileIdx := map[string]int32{}
	r := d.Reader()
	for {
		cu, err := r.Next()
		if err != nil {
			return err
		}
		if cu == nil {
			break
		}
		if cu.Tag != dwarf.TagCompileUnit {
			r.SkipChildren()
			continue
		}
		lr, err := d.LineReader(cu)
		if err != nil {
			return err
		}
		r.SkipChildren()
		if lr == nil {
			continue
		}
		var e dwarf.LineEntry
		for {
			if err := lr.Next(&e); err != nil {
				if errors.Is(err, io.EOF) {
					break
				}
				return err
			}
			row := lineRow{addr: uint32(e.Address), file: -1}
			if !e.EndSequence && e.File != nil {
				name := cleanPath(e.File.Name)
				k, ok := fileIdx[name]
				if !ok {
					k = int32(len(t.files))
					t.files = append(t.files, name)
					fileIdx[name] = k
				}
				row.file, row.line = k, int32(e.Line)
			}
			t.lines = append(t.lines, row)
		}
	}
	// By address; at one address an end of sequence before the rows of
	// the sequence starting there, rows otherwise in program order.
	sort.SliceStable(t.lines, func(i, j int) bool {
		if t.lines[i].addr != t.lines[j].addr {
			return t.lines[i].addr < t.lines[j].addr
		}
		return t.lines[i].file < 0 && t.lines[j].file >= 0
	})
	return nil
}

// cleanPath shortens a DWARF file name: the build maps the source tree
// to "." (-ffile-prefix-map), so "./kernel/main.c" becomes "kernel/main.c".
func cleanPath(p string) string { return strings.TrimPrefix(p, "./") }

// HasLines reports whether the table has DWARF line information.
func (t *Table) HasLines() bool { return len(t.lines) > 0 }

// Symbols returns the table's symbols, sorted by address.
func (t *Table) Symbols() []Symbol { return t.syms }

// lookup returns the symbol containing addr: the last one at or below
// addr whose size covers it (or, without a size, the nearest below).
func (t *Table) lookup(addr uint32) *Symbol {
	k := sort.Search(len(t.syms), func(i int) bool { return t.syms[i].Addr > addr }) - 1
	for ; k >= 0; k-- {
		s := &t.syms[k]
		if s.Size == 0 || s.Contains(addr) {
			if s.Size == 0 && addr-s.Addr > 0x10000 {
				return nil // an unsized label far away: not this code
			}
			return s
		}
		if addr-s.Addr > 0x100000 {
			return nil
		}
	}
	return nil
}

// line returns the source position of addr, if the line table covers it.
func (t *Table) line(addr uint32) (string, int, bool) {
	k := sort.Search(len(t.lines), func(i int) bool { return t.lines[i].addr > addr }) - 1
	if k < 0 || t.lines[k].file < 0 {
		return "", 0, false
	}
	return t.files[t.lines[k].file], int(t.lines[k].line), true
}

// Find returns the symbol called name.
func (t *Table) Find(name string) (*Symbol, bool) {
	for k := range t.syms {
		if t.syms[k].Name == name {
			return &t.syms[k], true
		}
	}
	return nil, false
}

// Symbolizer maps addresses to symbols and source lines across the
// binaries of a guest. The zero value is empty and usable.
type Symbolizer struct {
	global []*Table
	spaces map[uint32][]*Table // by CR3 (page directory base)
}

// AddGlobal adds a table valid in every address space (the kernel).
func (s *Symbolizer) AddGlobal(t *Table) { s.global = append(s.global, t) }

// AddSpace adds a table valid only while CR3 (its page-directory base)
// is cr3: a user program.
func (s *Symbolizer) AddSpace(cr3 uint32, t *Table) {
	if s.spaces == nil {
		s.spaces = map[uint32][]*Table{}
	}
	key := cr3 &^ 0xFFF
	s.spaces[key] = append(s.spaces[key], t)
}

// SpaceKey is what distinguishes address spaces for symbols: the
// page-directory base when a table was added for it, 0 otherwise.
func (s *Symbolizer) SpaceKey(cr3 uint32) uint32 {
	if _, ok := s.spaces[cr3&^0xFFF]; ok {
		return cr3&^0xFFF | 1
	}
	return 0
}

// Lookup returns the symbol containing addr in address space cr3.
func (s *Symbolizer) Lookup(cr3, addr uint32) (*Symbol, bool) {
	if s == nil {
		return nil, false
	}
	for _, t := range s.spaces[cr3&^0xFFF] {
		if sym := t.lookup(addr); sym != nil {
			return sym, true
		}
	}
	for _, t := range s.global {
		if sym := t.lookup(addr); sym != nil {
			return sym, true
		}
	}
	return nil, false
}

// Line returns file:line of addr in address space cr3.
func (s *Symbolizer) Line(cr3, addr uint32) (string, int, bool) {
	if s == nil {
		return "", 0, false
	}
	for _, t := range s.spaces[cr3&^0xFFF] {
		if f, l, ok := t.line(addr); ok {
			return f, l, true
		}
	}
	for _, t := range s.global {
		if f, l, ok := t.line(addr); ok {
			return f, l, true
		}
	}
	return "", 0, false
}

// Find returns the symbol called name in the global tables, then in the
// address spaces' (in no particular order).
func (s *Symbolizer) Find(name string) (*Symbol, bool) {
	if s == nil {
		return nil, false
	}
	for _, t := range s.global {
		if sym, ok := t.Find(name); ok {
			return sym, true
		}
	}
	for _, ts := range s.spaces {
		for _, t := range ts {
			if sym, ok := t.Find(name); ok {
				return sym, true
			}
		}
	}
	return nil, false
}
