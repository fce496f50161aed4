package emu

import (
	"bufio"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"dfemu/emu/dev"
	"dfemu/emu/multiboot"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The C header the guest kernel uses for the same memory map and ports.
var memlayoutH = filepath.Join("..", "kernel", "include", "memlayout.h")

// goLayout lists every constant of layout.go with its value, parsed from
// the source so that a constant added there without its C mirror fails.
func goLayout(t *testing.T) map[string]uint64 {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "layout.go", nil, 0)
	require.NoError(t, err)
	consts := map[string]uint64{}
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			vs := s.(*ast.ValueSpec)
			for i, name := range vs.Names {
				lit, ok := vs.Values[i].(*ast.BasicLit)
				require.True(t, ok, "%s: layout.go constants must be plain literals (the C header mirrors them)", name.Name)
				v, err := strconv.ParseUint(lit.Value, 0, 64)
				require.NoError(t, err, name.Name)
				consts[name.Name] = v
			}
		}
	}
	return consts
}

// cLayout lists the header's "#define NAME value" lines (not the guard).
func cLayout(t *testing.T) map[string]uint64 {
	f, err := os.Open(memlayoutH)
	require.NoError(t, err, "the kernel's memlayout.h mirrors layout.go")
	defer f.Close()
	defs := map[string]uint64{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 3 || fields[0] != "#define" {
			continue
		}
		v, err := strconv.ParseUint(strings.TrimRight(fields[2], "uUlL"), 0, 64)
		require.NoError(t, err, "memlayout.h: %s", sc.Text())
		defs[fields[1]] = v
	}
	require.NoError(t, sc.Err())
	return defs
}

// key folds TrampolineAddr and TRAMPOLINE_ADDR to the same string, so
// acronyms (PortACPIPM1a, PORT_ACPI_PM1A) need no splitting rules.
func key(name string) string { return strings.ToUpper(strings.ReplaceAll(name, "_", "")) }

func TestLayoutMirroredInC(t *testing.T) {
	goc, cc := goLayout(t), cLayout(t)
	require.NotEmpty(t, goc)
	byKey := map[string]string{}
	for name := range cc {
		byKey[key(name)] = name
	}
	for name, v := range goc {
		cname, ok := byKey[key(name)]
		if !assert.True(t, ok, "layout.go %s has no #define in memlayout.h", name) {
			continue
		}
		assert.Equal(t, v, cc[cname], "%s (Go) and %s (C) differ", name, cname)
		delete(byKey, key(name))
	}
	for _, cname := range byKey {
		if strings.HasSuffix(cname, "_H") { // include guard
			continue
		}
		t.Errorf("memlayout.h %s has no constant in layout.go", cname)
	}
}

// The loader keeps its own copy of the addresses it needs.
func TestLayoutMirroredInLoader(t *testing.T) {
	assert.Equal(t, uint32(InfoAreaStart), uint32(multiboot.InfoAreaStart))
	assert.Equal(t, uint32(InfoStructAddr), uint32(multiboot.InfoStructAddr))
	assert.Equal(t, uint32(InfoAreaEnd), uint32(multiboot.InfoAreaEnd))
	assert.Equal(t, uint32(EBDAStart), uint32(multiboot.EBDAStart))
	assert.Equal(t, uint32(LegacyHole), uint32(multiboot.LegacyHole))
	assert.Equal(t, uint32(BIOSAreaStart), uint32(multiboot.BIOSAreaStart))
	assert.Equal(t, uint32(HighMemStart), uint32(multiboot.HighMemStart))
	assert.Equal(t, uint32(FirmwareTablesSize), uint32(multiboot.FirmwareTablesSize))
	assert.Equal(t, uint32(BIOSROMStart), uint32(multiboot.BIOSROMStart))
}

// The devices keep their own copy of their ports (dev cannot import emu).
func TestLayoutMirroredInDevices(t *testing.T) {
	assert.Equal(t, PortDebugExit, dev.PortDebugExit)
	assert.Equal(t, PortCOM1, dev.PortCOM1)
	assert.Equal(t, PortACPIPM1a, dev.PortACPIPM1a)
	assert.Equal(t, PortCMOSIndex, dev.PortCMOSIndex)
	assert.Equal(t, PortCMOSData, dev.PortCMOSData)
	assert.Equal(t, PortPCIAddr, dev.PortPCIAddr)
	assert.Equal(t, PortPOST, dev.PortPOST)
	assert.Equal(t, PortTraceCtl, dev.PortTraceCtl)
}
