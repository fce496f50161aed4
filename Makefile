# dfemu: the guest (kernel and its test modules, built with the system gcc)
# and the emulator (Go).
#
#   make              guest + dfemu (outputs under build/)
#   make test         the committed guest is current, then go test ./...
#   make embed        copy the guest build into guest/bin/ (commit it)
#   make check-embed  fail if guest/bin/ differs from a fresh build
#   make check-repro  build in a second directory and compare: reproducible?
#   make qemu-test    the in-kernel tests under qemu-system-i386
#   make qemu-boot    a normal boot under qemu-system-i386

GO      ?= go
CC      := gcc
LD      := ld
HOSTCC  ?= gcc
QEMU    ?= qemu-system-i386
QEMU_MEM ?= 256
GOTEST_TIMEOUT ?= 300s

B := build

# The guest is freestanding i386 code for a Pentium-class CPU without x87
# or SSE: -march=i586 (no cmov), -mgeneral-regs-only (no FP registers),
# and no libgcc (there is no 32-bit one), so no 64-bit division in C.
# -ffile-prefix-map keeps the build directory out of the debug info.
KCFLAGS := -m32 -march=i586 -ffreestanding -mgeneral-regs-only -fno-pic -fno-pie \
	-fno-stack-protector -nostdlib -fno-builtin -O2 -Wall -Wextra -Werror \
	-fno-omit-frame-pointer -g -fno-asynchronous-unwind-tables \
	-ffile-prefix-map=$(CURDIR)=. -Ikernel/include -Iinclude -Wa,--noexecstack -MMD -MP
KLDFLAGS := -m elf_i386 -T kernel/kernel.ld --build-id=none -z max-page-size=0x1000 -nostdlib --fatal-warnings

KSRCS := $(sort $(wildcard kernel/*.c kernel/*.S kernel/tests/*.c))
KOBJS := $(patsubst %,$(B)/%.o,$(basename $(KSRCS)))

# Test modules: name, xorshift seed, size in bytes (deliberately not a
# multiple of the page size for mod0).
MODS := $(B)/mod0.bin $(B)/mod1.bin
EMBED := $(B)/kernel.elf $(MODS)

.PHONY: all guest dfemu embed check-embed check-repro test qemu-test qemu-boot clean
.DELETE_ON_ERROR:

all: guest dfemu

guest: $(EMBED)

$(B)/kernel.elf: $(KOBJS) kernel/kernel.ld
	$(LD) $(KLDFLAGS) -o $@ $(KOBJS)

$(B)/kernel/%.o: kernel/%.c Makefile
	@mkdir -p $(@D)
	$(CC) $(KCFLAGS) -c -o $@ $<

$(B)/kernel/%.o: kernel/%.S Makefile
	@mkdir -p $(@D)
	$(CC) $(KCFLAGS) -c -o $@ $<

$(B)/mkblob: guest/tools/mkblob.c
	@mkdir -p $(@D)
	$(HOSTCC) -O2 -Wall -Wextra -Werror -o $@ $<

$(B)/mod0.bin: $(B)/mkblob
	$(B)/mkblob 1 20000 $@

$(B)/mod1.bin: $(B)/mkblob
	$(B)/mkblob 2 4096 $@

# The emulator; cmd/dfemu is written in parallel and may not exist yet.
dfemu:
	@if [ -d cmd/dfemu ]; then \
		echo "$(GO) build -trimpath -o $(B)/dfemu ./cmd/dfemu"; \
		$(GO) build -trimpath -o $(B)/dfemu ./cmd/dfemu; \
	else \
		echo "make: cmd/dfemu does not exist yet: not building dfemu"; \
	fi

embed: guest
	@mkdir -p guest/bin
	cp $(EMBED) guest/bin/

check-embed: guest
	@stale=""; for f in $(EMBED); do \
		cmp -s $$f guest/bin/$$(basename $$f) || stale="$$stale $$(basename $$f)"; \
	done; \
	if [ -n "$$stale" ]; then \
		echo "check-embed: guest/bin is stale:$$stale (run make embed and commit)"; exit 1; \
	fi; echo "check-embed: guest/bin matches the build"

# Build the guest again from a copy of the sources in another directory
# and compare byte for byte.
check-repro: guest
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	mkdir -p "$$tmp/guest" && cp -r Makefile kernel include "$$tmp/" && cp -r guest/tools "$$tmp/guest/" && \
	$(MAKE) -s -C "$$tmp" guest >/dev/null && \
	for f in $(EMBED); do cmp $$f "$$tmp/$$f" || exit 1; done && \
	echo "check-repro: identical when built in $$tmp"

test: check-embed check-bench
	$(GO) test -timeout $(GOTEST_TIMEOUT) ./...

# -initrd "build/mod0.bin crc32=0x...,build/mod1.bin crc32=0x..."
QEMU_INITRD = $$(for m in $(MODS); do printf '%s crc32=%s,' $$m $$($(B)/mkblob -crc $$m); done | sed 's/,$$//')
QEMU_RUN = timeout 30 $(QEMU) -kernel $(B)/kernel.elf -nographic -no-reboot -m $(QEMU_MEM) \
	-device isa-debug-exit,iobase=0xf4,iosize=4 -initrd "$(QEMU_INITRD)"

qemu-test: guest
	$(QEMU_RUN) -append "test=$(or $(TESTS),all) mem=$(QEMU_MEM)"

qemu-boot: guest
	$(QEMU_RUN)

clean:
	rm -rf $(B)

include guest/bench/bench.mk

-include $(KOBJS:.o=.d)
