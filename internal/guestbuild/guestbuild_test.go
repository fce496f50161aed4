package guestbuild

import (
	"debug/elf"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tiny is five bytes of code: movl $0x2a, %eax; hlt.
const tiny = ".text\n.globl _start\n_start:\n\tmovl $0x2a, %eax\n\thlt\n"

func TestKernelLinksAtMultibootAddr(t *testing.T) {
	path := Kernel(t, nil, Text("start.S", tiny))
	f, err := elf.Open(path)
	require.NoError(t, err)
	defer f.Close()
	assert.Equal(t, elf.ELFCLASS32, f.Class)
	assert.Equal(t, elf.EM_386, f.Machine)
	assert.Equal(t, elf.ET_EXEC, f.Type)
	assert.Equal(t, uint64(MultibootAddr), f.Entry)
	text := f.Section(".text")
	require.NotNil(t, text)
	assert.Equal(t, uint64(MultibootAddr), text.Addr)
}

func TestFlatIsTheCode(t *testing.T) {
	path := Build(t, Spec{LDFlags: []string{"-Ttext", "0x1000", "-e", "_start"}, Sources: []Source{Text("t.S", tiny)}})
	assert.Equal(t, []byte{0xb8, 0x2a, 0, 0, 0, 0xf4}, Flat(t, path, ".text"))
}

// TestBuildCAndAsm: a C file and an assembly file from disk, with flags,
// linked in order; Out and Dir are honoured and inline sources stay in Dir.
func TestBuildCAndAsm(t *testing.T) {
	dir := t.TempDir()
	c := filepath.Join(dir, "answer.c")
	require.NoError(t, os.WriteFile(c, []byte("int answer(void) { return ANSWER; }\n"), 0o644))
	path := Build(t, Spec{Dir: dir, Out: "two.elf", CFlags: []string{"-ffreestanding", "-O1", "-DANSWER=42"},
		LDFlags: []string{"-Ttext", "0x2000"},
		Sources: []Source{Text("start.S", ".globl _start\n_start: call answer\nhlt\n"), File(c)}})
	assert.Equal(t, filepath.Join(dir, "two.elf"), path)
	assert.FileExists(t, filepath.Join(dir, "start.S"))
	f, err := elf.Open(path)
	require.NoError(t, err)
	defer f.Close()
	syms, err := f.Symbols()
	require.NoError(t, err)
	addr := map[string]uint64{}
	for _, s := range syms {
		addr[s.Name] = s.Value
	}
	assert.Equal(t, uint64(0x2000), addr["_start"], "the first source comes first")
	assert.Greater(t, addr["answer"], addr["_start"])
}

func TestBuildErrorsSayWhat(t *testing.T) {
	Need(t)
	_, err := build(Spec{Dir: t.TempDir(), Sources: []Source{Text("bad.S", "\tnotaninstruction %eax\n")}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "gcc -m32 -c")
	assert.Contains(t, err.Error(), "notaninstruction")

	_, err = build(Spec{Dir: t.TempDir(), LDFlags: []string{"-T", "/nonexistent.ld"}, Sources: []Source{Text("t.S", tiny)}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "ld -m elf_i386")

	_, err = build(Spec{Dir: t.TempDir()})
	assert.ErrorContains(t, err, "no sources")
}
