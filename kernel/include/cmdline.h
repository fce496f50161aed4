/*
 * Options in the form key=value, separated by spaces: the kernel command
 * line (test=all mem=256) and module strings (mod0.bin crc32=0x...).
 * Words without '=' (QEMU prefixes the kernel's path) are ignored by
 * kv_find; kw_has looks for a bare flag word (verbose).
 */
#ifndef KERNEL_CMDLINE_H
#define KERNEL_CMDLINE_H

#include "types.h"

/*
 * Find key in s: on success *val points at the value (not NUL-terminated)
 * and *len is its length.  The last occurrence wins.
 */
bool kv_find(const char *s, const char *key, const char **val, size_t *len);

/* kv_find() then parse_u32() of the whole value. */
bool kv_u32(const char *s, const char *key, uint32_t *out);

/* Is word one of s's words, exactly (a flag such as "verbose")? */
bool kw_has(const char *s, const char *word);

#endif /* KERNEL_CMDLINE_H */
