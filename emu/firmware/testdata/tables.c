/* tables.c: find the firmware's ACPI RSDP and MP floating pointer the
   way a kernel does, and dump the RSDP, RSDT, every table the RSDT
   lists, the MP floating pointer and the MP configuration table as hex
   lines on COM1 ("NAME addr hexbytes"). firmware_test boots it on dfemu
   and under QEMU and compares the parsed tables. */
typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;

static void outb(u16 port, u8 v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static u8 inb(u16 port) { u8 v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }

static void putc(char c) {
	while (!(inb(0x3FD) & 0x20))
		;
	outb(0x3F8, (u8)c);
}
static void puts(const char *s) { while (*s) putc(*s++); }
static void hex(u32 v, int digits) {
	for (int i = digits - 1; i >= 0; i--)
		putc("0123456789abcdef"[(v >> (4 * i)) & 0xF]);
}
static void dump(const char *name, u32 addr, u32 len) {
	const u8 *p = (const u8 *)addr;
	puts(name);
	putc(' ');
	hex(addr, 8);
	putc(' ');
	for (u32 i = 0; i < len; i++)
		hex(p[i], 2);
	putc('\n');
}
static int match(u32 addr, const char *sig, int n) {
	const char *p = (const char *)addr;
	for (int i = 0; i < n; i++)
		if (p[i] != sig[i])
			return 0;
	return 1;
}
static u32 rd32(u32 a) { return *(const u32 *)a; }
static u16 rd16(u32 a) { return *(const u16 *)a; }

int main(void) {
	u32 rsdp = 0, mp = 0;
	for (u32 a = 0xE0000; a < 0x100000; a += 16) {
		if (!rsdp && match(a, "RSD PTR ", 8))
			rsdp = a;
		if (!mp && a >= 0xF0000 && match(a, "_MP_", 4))
			mp = a;
	}
	if (rsdp) {
		dump("RSDP", rsdp, 20);
		u32 rsdt = rd32(rsdp + 16);
		u32 len = rd32(rsdt + 4);
		dump("RSDT", rsdt, len);
		for (u32 e = rsdt + 36; e + 4 <= rsdt + len; e += 4) {
			u32 t = rd32(e);
			char name[5] = {0};
			for (int i = 0; i < 4; i++)
				name[i] = ((const char *)t)[i];
			if (match(t, "APIC", 4))
				dump(name, t, rd32(t + 4));
		}
	}
	if (mp) {
		dump("MPFP", mp, 16);
		u32 cfg = rd32(mp + 4);
		if (cfg)
			dump("PCMP", cfg, rd16(cfg + 4));
	}
	puts("END\n");
	return 0x10;
}
