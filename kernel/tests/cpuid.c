/*
 * test cpuid: what the CPU says about itself is consistent with how the
 * kernel runs.  A printable 12-byte vendor string; leaf 1 present and a
 * Pentium-class family (5 or later); CR0.EM set, so x87 code traps
 * whether or not cpuid reports an FPU; the paging mode used (4 MiB pages
 * or not) agrees with the PSE bit and CR4.PSE; and with a TSC, rdtsc
 * moves forward.  Prints nothing the CPU model decides, so the output is
 * the same on QEMU and dfemu.
 */
#include "cpu.h"
#include "mmu.h"
#include "test.h"
#include "vm.h"
#include "x86.h"

void test_cpuid(void)
{
	const struct cpuinfo *ci = cpu_info();

	for (int i = 0; i < 12; i++)
		check(ci->ci_vendor[i] >= 0x20 && ci->ci_vendor[i] < 0x7F,
		      "vendor string byte %d is 0x%02x", i, (uint8_t)ci->ci_vendor[i]);
	if (!check(ci->ci_max_leaf >= 1, "max basic leaf %u, want >= 1", ci->ci_max_leaf))
		return;
	check(ci->ci_family >= 5, "family %u: not Pentium-class", ci->ci_family);

	check(rcr0() & CR0_EM, "CR0.EM clear (cr0 0x%08x): x87 code would run", rcr0());
	check(cpu_has(CPUID_FPU) || (rcr0() & CR0_EM), "no FPU and CR0.EM clear");

	check(vm_uses_pse() == cpu_has(CPUID_PSE), "4 MiB pages used: %d, cpuid PSE: %d",
	      vm_uses_pse(), cpu_has(CPUID_PSE));
	check(!!(rcr4() & CR4_PSE) == vm_uses_pse(), "CR4.PSE %d, 4 MiB pages used %d",
	      !!(rcr4() & CR4_PSE), vm_uses_pse());

	if (cpu_has(CPUID_TSC)) {
		uint64_t t0 = rdtsc(), t1 = rdtsc();
		check(t1 > t0, "rdtsc went from 0x%llx to 0x%llx", t0, t1);
	}
}
