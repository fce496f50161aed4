/*
 * Probes (probe.S): one instruction each that may raise an exception,
 * recoverable through the exception table when the caller armed
 * trap_expect().  Each returns 0 if the instruction completed, -1 if it
 * was caught.  Callable from any kernel context with interrupts off.
 */
#ifndef KERNEL_PROBE_H
#define KERNEL_PROBE_H

#include "types.h"

int probe_read32(uint32_t addr, uint32_t *out);
int probe_write32(uint32_t addr, uint32_t val);
int probe_div0(void);
int probe_ud2(void);
int probe_int3(void);
int probe_into(void);
int probe_load_ds(uint32_t sel);
int probe_x87(void);

#endif /* KERNEL_PROBE_H */
