/*
 * CRC-32, table driven: the 256-entry table is built on first use from
 * the reflected polynomial, one byte of input per table lookup.
 */
#include "crc32.h"

#define CRC32_POLY 0xEDB88320u

static uint32_t table[256];
static bool table_ready;

static void crc32_table_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ CRC32_POLY : c >> 1;
		table[i] = c;
	}
	table_ready = true;
}

uint32_t crc32_ieee(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint32_t c = 0xFFFFFFFFu;

	if (!table_ready)
		crc32_table_init();
	while (len-- > 0)
		c = table[(c ^ *p++) & 0xFF] ^ (c >> 8);
	return c ^ 0xFFFFFFFFu;
}
