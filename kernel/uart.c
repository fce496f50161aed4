/*
 * 16550 UART driver for COM1, the console.
 *
 * Polled output: before each byte, wait until the Line Status Register
 * says the transmit holding register is empty (THRE), then write it.  No
 * interrupts (IER = 0).  Register offsets and bits from the National
 * Semiconductor PC16550D data sheet.  A newline goes out as CR LF, as a
 * serial console expects; readers of the console strip the CR.
 */
#include "uart.h"
#include "memlayout.h"
#include "x86.h"

#define UART_THR 0 /* transmit holding register (DLAB=0) */
#define UART_DLL 0 /* divisor latch low (DLAB=1) */
#define UART_IER 1 /* interrupt enable (DLAB=0) */
#define UART_DLM 1 /* divisor latch high (DLAB=1) */
#define UART_FCR 2 /* FIFO control (write) */
#define UART_LCR 3 /* line control */
#define UART_MCR 4 /* modem control */
#define UART_LSR 5 /* line status */

#define LCR_8N1  0x03
#define LCR_DLAB 0x80
#define FCR_ENABLE_CLEAR 0x07 /* enable FIFOs, clear both */
#define MCR_DTR_RTS_OUT2 0x0B
#define LSR_THRE 0x20 /* transmit holding register empty */

#define UART_DIVISOR 1 /* 115200 baud from the 1.8432 MHz clock */

/* Bound on the THRE wait, so a missing UART cannot hang the kernel. */
#define UART_SPIN_LIMIT 100000

void uart_init(void)
{
	outb(PORT_COM1 + UART_IER, 0);
	outb(PORT_COM1 + UART_LCR, LCR_DLAB);
	outb(PORT_COM1 + UART_DLL, UART_DIVISOR & 0xFF);
	outb(PORT_COM1 + UART_DLM, UART_DIVISOR >> 8);
	outb(PORT_COM1 + UART_LCR, LCR_8N1);
	outb(PORT_COM1 + UART_FCR, FCR_ENABLE_CLEAR);
	outb(PORT_COM1 + UART_MCR, MCR_DTR_RTS_OUT2);
}

static void uart_put_raw(uint8_t c)
{
	for (int i = 0; i < UART_SPIN_LIMIT; i++)
		if (inb(PORT_COM1 + UART_LSR) & LSR_THRE)
			break;
	outb(PORT_COM1 + UART_THR, c);
}

void uart_putc(char c)
{
	if (c == '\n')
		uart_put_raw('\r');
	uart_put_raw((uint8_t)c);
}
