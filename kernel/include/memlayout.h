/*
 * The guest-physical memory map and the I/O ports of the dfemu machine.
 * Mirrors emu/layout.go, one #define per Go constant (CamelCase name in
 * UPPER_SNAKE); a Go test compares the two, so keep this a plain list.
 */
#ifndef KERNEL_MEMLAYOUT_H
#define KERNEL_MEMLAYOUT_H

/* Physical addresses (see the picture in emu/layout.go). */
#define TRAMPOLINE_ADDR 0x00007000 /* AP real-mode start (SIPI vector 0x07) */
#define INFO_AREA_START 0x00009000 /* Multiboot memory map (QEMU's ADDR_E820_MAP) */
#define INFO_STRUCT_ADDR 0x00009500 /* Multiboot info structure (QEMU's ADDR_MBI) */
#define INFO_AREA_END 0x0000A000
#define EBDA_START 0x0009FC00 /* extended BIOS data area (reserved) */
#define LEGACY_HOLE 0x000A0000 /* VGA and option ROMs: not RAM */
#define BIOS_AREA_START 0x000F0000 /* BIOS area (reserved): the RSDP, MP tables */
#define HIGH_MEM_START 0x00100000 /* 1 MiB: the kernel loads here */
#define FIRMWARE_TABLES_SIZE 0x00020000 /* reserved at the top of RAM: the ACPI tables */
#define IOAPIC_BASE 0xFEC00000
#define LAPIC_BASE 0xFEE00000
#define BIOS_ROM_START 0xFFFC0000

/* I/O ports the machine decodes. */
#define PORT_DEBUG_EXIT 0x00F4 /* isa-debug-exit, iobase=0xf4,iosize=4 */
#define PORT_COM1 0x03F8 /* 16550 UART, 8 ports */
#define PORT_ACPI_PM1A 0x0604 /* PM1a control (QEMU's PIIX4): 0x2000 powers off */
#define PORT_CMOS_INDEX 0x0070
#define PORT_CMOS_DATA 0x0071
#define PORT_PCI_ADDR 0x0CF8
#define PORT_PCI_DATA 0x0CFC
#define PORT_POST 0x0080
#define PORT_TRACE_CTL 0x0E9A /* dfemu trace: write 1 = on, 0 = off (trace.h) */

#endif /* KERNEL_MEMLAYOUT_H */
