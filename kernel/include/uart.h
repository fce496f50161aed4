/*
 * The console: a 16550 UART on COM1, polled, output only for now.
 */
#ifndef KERNEL_UART_H
#define KERNEL_UART_H

#include "types.h"

/* Program COM1 for 115200 8N1 with FIFOs.  Boot CPU, first thing in kmain. */
void uart_init(void);

/* Send one byte, waiting for the transmitter.  Any context; never blocks forever on a working UART. */
void uart_putc(char c);

#endif /* KERNEL_UART_H */
