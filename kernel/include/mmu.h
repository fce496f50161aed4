/*
 * i386 MMU constants: segment selectors and descriptors, control-register
 * bits, page-table entry bits and the page-fault error code.  Section
 * numbers are from the Intel SDM vol. 3A.
 */
#ifndef KERNEL_MMU_H
#define KERNEL_MMU_H

/* GDT slots and selectors (the GDT itself is in gdt.c).  3.4.2 */
#define GDT_NULL        0
#define GDT_KCODE       1 /* ring 0 code, flat 4 GiB */
#define GDT_KDATA       2 /* ring 0 data, flat 4 GiB */
#define GDT_UCODE       3 /* ring 3 code, flat 4 GiB */
#define GDT_UDATA       4 /* ring 3 data, flat 4 GiB */
#define GDT_TSS         5 /* this CPU's TSS (each CPU has its own GDT) */
#define GDT_PERCPU      6 /* %fs: base = this CPU's struct globaldata */
#define GDT_NENTRIES    7

#define SEL_RPL3        3
#define KERNEL_CS       (GDT_KCODE << 3)
#define KERNEL_DS       (GDT_KDATA << 3)
#define USER_CS         ((GDT_UCODE << 3) | SEL_RPL3)
#define USER_DS         ((GDT_UDATA << 3) | SEL_RPL3)
#define TSS_SEL         (GDT_TSS << 3)
#define PERCPU_SEL      (GDT_PERCPU << 3)

/* Descriptor access byte.  3.4.5 */
#define DESC_P          0x80       /* present */
#define DESC_DPL(n)     ((n) << 5)
#define DESC_S          0x10       /* code/data (not system) */
#define DESC_CODE_RX    0x0A       /* execute/read */
#define DESC_DATA_RW    0x02       /* read/write */
#define DESC_TSS32      0x09       /* 32-bit TSS, available.  7.2.2 */
#define DESC_INTGATE32  0x0E       /* 32-bit interrupt gate.  6.11 */

/* Descriptor flags nibble. */
#define DESC_G          0x8        /* limit in 4 KiB units */
#define DESC_DB         0x4        /* 32-bit segment */

/* Control registers.  2.5 */
#define CR0_PE          0x00000001 /* protection enable */
#define CR0_MP          0x00000002 /* monitor coprocessor */
#define CR0_EM          0x00000004 /* x87 emulation: x87 instructions raise #NM */
#define CR0_TS          0x00000008 /* task switched */
#define CR0_ET          0x00000010 /* extension type */
#define CR0_NE          0x00000020 /* numeric error */
#define CR0_WP          0x00010000 /* supervisor writes honour read-only pages */
#define CR0_PG          0x80000000 /* paging */

#define CR4_PSE         0x00000010 /* 4 MiB pages */

/* EFLAGS.  2.3 */
#define EFLAGS_IF       0x00000200

/* Paging.  4.3 */
#define PGSIZE          4096
#define PGSHIFT         12
#define PDXSHIFT        22
#define LARGE_PGSIZE    (1u << PDXSHIFT) /* 4 MiB */
#define NPDENTRIES      1024
#define NPTENTRIES      1024
#define PDX(va)         (((uint32_t)(va) >> PDXSHIFT) & 0x3FF)
#define PTX(va)         (((uint32_t)(va) >> PGSHIFT) & 0x3FF)
#define PTE_ADDR(pte)   ((uint32_t)(pte) & ~0xFFFu)

#define PTE_P           0x001      /* present */
#define PTE_W           0x002      /* writable */
#define PTE_U           0x004      /* user */
#define PTE_PWT         0x008
#define PTE_PCD         0x010
#define PTE_A           0x020      /* accessed */
#define PTE_D           0x040      /* dirty */
#define PTE_PS          0x080      /* in a PDE: 4 MiB page */

/* Page-fault error code.  4.7 */
#define PF_P            0x1        /* protection violation (else not present) */
#define PF_W            0x2        /* write (else read) */
#define PF_U            0x4        /* user mode (else supervisor) */
#define PF_RSVD         0x8        /* reserved bit set */

#endif /* KERNEL_MMU_H */
