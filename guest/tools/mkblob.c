/*
 * mkblob: the guest's test modules, made reproducibly on the build host.
 *
 *   mkblob SEED SIZE OUT   write SIZE pseudo-random bytes (xorshift32 from
 *                          SEED) to OUT: the same bytes on every host
 *   mkblob -crc FILE       print FILE's CRC-32 (IEEE, as Go's
 *                          hash/crc32.ChecksumIEEE) as 0x%08x, for
 *                          module strings "mod0.bin crc32=0x..."
 *
 * The CRC here is bitwise and independent of the kernel's table-driven
 * one, so a bug in either shows up as a failing modules test.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static int make_blob(uint32_t seed, long size, const char *out)
{
	FILE *f = fopen(out, "wb");
	uint32_t x = seed ? seed : 1;

	if (f == NULL) {
		perror(out);
		return 1;
	}
	for (long i = 0; i < size; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		putc((int)(x >> 24), f);
	}
	if (fclose(f) != 0) {
		perror(out);
		return 1;
	}
	return 0;
}

static int print_crc(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint32_t crc = 0xFFFFFFFFu;
	int c;

	if (f == NULL) {
		perror(path);
		return 1;
	}
	while ((c = getc(f)) != EOF) {
		crc ^= (uint32_t)c;
		for (int k = 0; k < 8; k++)
			crc = (crc & 1) ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
	}
	fclose(f);
	printf("0x%08x\n", crc ^ 0xFFFFFFFFu);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && argv[1][0] == '-' && argv[1][1] == 'c')
		return print_crc(argv[2]);
	if (argc == 4)
		return make_blob((uint32_t)strtoul(argv[1], NULL, 0), strtol(argv[2], NULL, 0), argv[3]);
	fprintf(stderr, "usage: mkblob SEED SIZE OUT | mkblob -crc FILE\n");
	return 2;
}
