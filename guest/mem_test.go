package guest_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"dfemu/guest"
	"dfemu/internal/harness"
)

// TestTablesAtEveryMem: the firmware tables move with the top of RAM
// (emu.TablesAddrs), and the kernel finds its CPUs through them (the
// MADT, and the MP table with acpi=off) and its memory map at each -m.
func TestTablesAtEveryMem(t *testing.T) {
	for _, mib := range []int{32, 256, 1024} {
		for _, c := range []struct{ name, cmdline, source string }{
			{"madt", "test=cpus,memmap mem=%d", "# 4 CPUs from the ACPI MADT"},
			{"mptable", "test=cpus acpi=off mem=%d", "# 4 CPUs from the MP table"},
		} {
			t.Run(fmt.Sprintf("m=%d/%s", mib, c.name), func(t *testing.T) {
				t.Parallel()
				s, _ := guest.LookupSuite("cpus")
				s.Cmdline = fmt.Sprintf(c.cmdline, mib)
				s.MemMiB = mib
				r := harness.Dfemu(s, harness.Options{SMP: 4})
				checkRun(t, r)
				assert.Contains(t, string(r.Console), c.source)
			})
		}
	}
}
