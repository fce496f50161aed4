/*
 * test lib: the kernel's own library, whose output everything else relies
 * on.  ksnprintf for every conversion kprintf documents (including 64-bit
 * values, which go through udivmod64), udivmod64 against worked values,
 * CRC-32 against the standard check value, parse_u32 and kv_find.
 */
#include "cmdline.h"
#include "crc32.h"
#include "div64.h"
#include "kprintf.h"
#include "string.h"
#include "test.h"

/* A macro, so that a failure names the caller's line. */
#define check_format(want, got, n)                                                             \
	check(strcmp(got, want) == 0 && (n) == (int)strlen(want), "formatted \"%s\" (%d), want \"%s\"", \
	      got, n, want)

void test_lib(void)
{
	char buf[96];
	int n;

	n = ksnprintf(buf, sizeof(buf), "%d %i %u %x %X %08x %5d|%-5d|%05d %c %s %%", -42, 7, 3000000000u,
		      0xbeef, 0xbeef, 0x1234, -12, 34, -56, 'q', "str");
	check_format("-42 7 3000000000 beef BEEF 00001234   -12|34   |-0056 q str %", buf, n);
	n = ksnprintf(buf, sizeof(buf), "%llx %llu %lld %p %s", 0x123456789abcdef0ull,
		      18446744073709551615ull, -9223372036854775807ll - 1, (void *)0xb8000, (char *)NULL);
	check_format("123456789abcdef0 18446744073709551615 -9223372036854775808 0x000b8000 (null)", buf, n);
	n = ksnprintf(buf, 8, "%s", "truncated output");
	check(n == 16 && strcmp(buf, "truncat") == 0, "truncation: \"%s\" %d", buf, n);

	static const struct {
		uint64_t n;
		uint32_t d;
		uint64_t q;
		uint32_t r;
	} divs[] = {
		{ 0, 7, 0, 0 },
		{ 100, 7, 14, 2 },
		{ 0xFFFFFFFFFFFFFFFFull, 10, 1844674407370955161ull, 5 },
		{ 0x100000000ull, 3, 0x55555555ull, 1 },
		{ 0xFFFFFFFFFFFFFFFFull, 0xFFFFFFFFu, 0x100000001ull, 0 },
		{ 0x123456789ull, 1, 0x123456789ull, 0 },
	};
	for (size_t i = 0; i < NELEM(divs); i++) {
		uint32_t r = 0xDEAD;
		uint64_t q = udivmod64(divs[i].n, divs[i].d, &r);
		check(q == divs[i].q && r == divs[i].r, "udivmod64(0x%llx, %u) = 0x%llx r %u, want 0x%llx r %u",
		      divs[i].n, divs[i].d, q, r, divs[i].q, divs[i].r);
	}

	check(crc32_ieee("123456789", 9) == 0xCBF43926u, "crc32(\"123456789\") = 0x%08x",
	      crc32_ieee("123456789", 9));
	check(crc32_ieee("", 0) == 0, "crc32 of nothing = 0x%08x", crc32_ieee("", 0));

	uint32_t v;
	const char *end;
	check(parse_u32("0x1F2e rest", &end, &v) && v == 0x1F2E && *end == ' ', "parse_u32 hex: 0x%x", v);
	check(parse_u32("4294967295", &end, &v) && v == 0xFFFFFFFFu, "parse_u32 max: %u", v);
	check(!parse_u32("4294967296", &end, &v), "parse_u32 accepted an overflow");
	check(!parse_u32("x", &end, &v), "parse_u32 accepted no digits");

	const char *val;
	size_t len;
	const char *line = "kernel.elf xtest=no test=all,memmap mem=256 test";
	check(kv_find(line, "test", &val, &len) && len == 10 && strncmp(val, "all,memmap", 10) == 0,
	      "kv_find test");
	check(kv_u32(line, "mem", &v) && v == 256, "kv_u32 mem: %u", v);
	check(!kv_find(line, "kernel.elf", &val, &len) && !kv_find(line, "es", &val, &len),
	      "kv_find matched a word without '=' or a substring");
	check(!kv_u32("mem=256k", "mem", &v), "kv_u32 accepted trailing junk");

	check(kw_has("kernel.elf  verbose mem=1", "verbose"), "kw_has missed a word");
	check(!kw_has("kernel.elf verbosely xverbose verbose=1", "verbose"),
	      "kw_has matched a longer word or key=value");
	check(!kw_has("", "verbose"), "kw_has matched in an empty line");
}
