package guest

import (
	"go/ast"
	"go/constant"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// cDefines returns the "#define NAME 0x..." (or decimal) lines of a C header.
func cDefines(t *testing.T, path string) map[string]uint64 {
	src, err := os.ReadFile(path)
	require.NoError(t, err)
	re := regexp.MustCompile(`(?m)^#define\s+([A-Z0-9_]+)\s+(0x[0-9A-Fa-f]+|[0-9]+)\b`)
	defs := map[string]uint64{}
	for _, m := range re.FindAllStringSubmatch(string(src), -1) {
		v, err := strconv.ParseUint(m[2], 0, 64)
		require.NoError(t, err, m[0])
		defs[m[1]] = v
	}
	return defs
}

// goConsts returns the integer constants declared in a Go file.
func goConsts(t *testing.T, path string) map[string]uint64 {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, nil, 0)
	require.NoError(t, err)
	consts := map[string]uint64{}
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, name := range vs.Names {
				lit, ok := vs.Values[i].(*ast.BasicLit)
				require.True(t, ok, "%s: only literal constants are compared", name.Name)
				v, ok := constant.Uint64Val(constant.MakeFromLiteral(lit.Value, lit.Kind, 0))
				require.True(t, ok, name.Name)
				consts[name.Name] = v
			}
		}
	}
	return consts
}

// cName converts a Go CamelCase name to the C header's UPPER_SNAKE: a
// word starts at an upper-case letter after a lower-case letter or digit,
// or at the last capital of an acronym followed by a lower-case letter
// (LAPICBase -> LAPIC_BASE). Runs of acronyms the rule cannot split are
// listed.
func cName(goName string) string {
	special := map[string]string{
		"PortACPIPM1a": "PORT_ACPI_PM1A",
		"BIOSROMStart": "BIOS_ROM_START",
	}
	if s, ok := special[goName]; ok {
		return s
	}
	r := []rune(goName)
	var b strings.Builder
	for i, c := range r {
		if i > 0 && unicode.IsUpper(c) {
			prev := r[i-1]
			nextLower := i+1 < len(r) && unicode.IsLower(r[i+1])
			if unicode.IsLower(prev) || unicode.IsDigit(prev) || (unicode.IsUpper(prev) && nextLower) {
				b.WriteByte('_')
			}
		}
		b.WriteRune(unicode.ToUpper(c))
	}
	return b.String()
}

func TestCName(t *testing.T) {
	for goName, want := range map[string]string{
		"TrampolineAddr": "TRAMPOLINE_ADDR", "PortCOM1": "PORT_COM1", "LAPICBase": "LAPIC_BASE",
		"IOAPICBase": "IOAPIC_BASE", "EBDAStart": "EBDA_START", "PortPOST": "PORT_POST",
		"PortCMOSIndex": "PORT_CMOS_INDEX", "InfoAreaEnd": "INFO_AREA_END",
	} {
		assert.Equal(t, want, cName(goName), goName)
	}
}

// kernel/include/memlayout.h mirrors emu/layout.go: one #define per Go
// constant, same name in C style, same value, and nothing else.
func TestMemlayoutMatchesGo(t *testing.T) {
	goc := goConsts(t, "../emu/layout.go")
	cdefs := cDefines(t, "../kernel/include/memlayout.h")
	require.NotEmpty(t, goc)
	for name, v := range goc {
		c := cName(name)
		if assert.Contains(t, cdefs, c, "memlayout.h lacks %s (Go %s)", c, name) {
			assert.Equal(t, v, cdefs[c], "%s (Go %s)", c, name)
		}
		delete(cdefs, c)
	}
	assert.Empty(t, cdefs, "memlayout.h defines constants emu/layout.go does not have")
}

// FailureTests' exit statuses follow include/dfemu/abi.h: (V<<1)|1.
func TestFailureStatusesMatchABI(t *testing.T) {
	abi := cDefines(t, "../include/dfemu/abi.h")
	for test, code := range map[string]string{
		"fail": "ABI_EXIT_TESTS_FAILED", "panic": "ABI_EXIT_KERNEL_PANIC",
		"crash": "ABI_EXIT_UNEXPECTED_EXCEPTION",
	} {
		require.Contains(t, abi, code)
		assert.Equal(t, int(abi[code]<<1|1), FailureTests[test], test)
	}
	assert.Equal(t, uint64(0x604), abi["ABI_PORT_POWEROFF"])
	assert.Equal(t, uint64(0x2000), abi["ABI_POWEROFF_VALUE"])
	assert.Equal(t, uint64(0xF4), abi["ABI_PORT_DEBUG_EXIT"])
}

// Tests and FailureTests list exactly the kernel's test table (kernel/test.c).
func TestTestListsMatchKernel(t *testing.T) {
	src, err := os.ReadFile("../kernel/test.c")
	require.NoError(t, err)
	re := regexp.MustCompile(`(?m)^\s*\{ "([a-z0-9]+)", "[^"]*", test_[a-z0-9]+, (true|false) \},$`)
	var visible, hidden []string
	for _, m := range re.FindAllStringSubmatch(string(src), -1) {
		if m[2] == "true" {
			hidden = append(hidden, m[1])
		} else {
			visible = append(visible, m[1])
		}
	}
	assert.Equal(t, Tests, visible, "test=all runs these, in this order")
	var failure []string
	for name := range FailureTests {
		failure = append(failure, name)
	}
	assert.ElementsMatch(t, hidden, failure, "hidden tests")
}
