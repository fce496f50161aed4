package multiboot

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"dfemu/emu/internal/mbimage"
)

// FuzzLoad feeds arbitrary kernel images to the loader: it must answer
// with a result or an *Error, never a panic, and a result must fit RAM.
func FuzzLoad(f *testing.F) {
	f.Add(mbimage.Kernel(code))
	f.Add(mbimage.Aout(code, 0x1000))
	f.Fuzz(func(t *testing.T, kernel []byte) {
		in := Input{Kernel: kernel, KernelName: "k", Cmdline: "x",
			Modules: []Module{{String: "m", Data: []byte("mod")}}, RAMSize: 4 << 20}
		l, err := Load(in)
		if err != nil {
			var me *Error
			if !errors.As(err, &me) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		ram := make([]byte, in.RAMSize)
		if err := l.Apply(ram); err != nil {
			t.Fatalf("loaded image does not apply: %v", err)
		}
	})
}

// TestWriteFuzzCorpus regenerates testdata/fuzz/FuzzLoad when
// DFEMU_WRITE_CORPUS=1 (the committed seeds are its output).
func TestWriteFuzzCorpus(t *testing.T) {
	if os.Getenv("DFEMU_WRITE_CORPUS") != "1" {
		t.Skip("set DFEMU_WRITE_CORPUS=1 to regenerate the seed corpus")
	}
	k := mbimage.Kernel(code)
	seeds := map[string][]byte{
		"elf":       k,
		"aout":      mbimage.Aout(code, 0x1000),
		"truncated": k[:len(k)-2],
		"elf-bss-virtual": mbimage.ELF(0xC010000C, mbimage.Segment{Vaddr: 0xC0100000, Paddr: 0x100000,
			Data: append(mbimage.Header(3), code...), MemSize: 0x2000}),
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzLoad")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, b := range seeds {
		text := "go test fuzz v1\n[]byte(" + strconv.Quote(string(b)) + ")\n"
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
