package guest

import (
	"os"
	"regexp"
	"strconv"
	"testing"

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
