/*
 * CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320): the same value
 * as Go's hash/crc32.ChecksumIEEE and zlib's crc32().  Any context.
 */
#ifndef KERNEL_CRC32_H
#define KERNEL_CRC32_H

#include "types.h"

uint32_t crc32_ieee(const void *buf, size_t len);

#endif /* KERNEL_CRC32_H */
