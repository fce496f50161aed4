/*
 * udivmod64: 64 / 32 bit division in two divl steps, schoolbook style.
 * The high word is divided first; its remainder (< d) becomes the high
 * half of the second dividend, so the second divl cannot overflow.
 */
#include "div64.h"

uint64_t udivmod64(uint64_t n, uint32_t d, uint32_t *rem)
{
	uint32_t hi = (uint32_t)(n >> 32), lo = (uint32_t)n;
	uint32_t qhi = hi / d, r = hi % d, qlo;

	__asm__("divl %4" : "=a"(qlo), "=d"(r) : "a"(lo), "d"(r), "rm"(d));
	if (rem)
		*rem = r;
	return ((uint64_t)qhi << 32) | qlo;
}
