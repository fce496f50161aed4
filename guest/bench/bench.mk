# bench.mk: the CPU-bound benchmark guest (guest/bench/loop.S), included
# from the top-level Makefile. The image is committed (guest/bench/loop.elf,
# embedded by guest/bench/bench.go) so `dfemu bench` needs only Go.
#
#   make bench-guest   build $(B)/bench/loop.elf
#   make bench-embed   copy it to guest/bench/loop.elf (commit it)
#   make check-bench   fail if guest/bench/loop.elf differs from a fresh build

B ?= build
BENCH_SRC := guest/bench
BENCH_ELF := $(B)/bench/loop.elf

.PHONY: bench-guest bench-embed check-bench

bench-guest: $(BENCH_ELF)

$(BENCH_ELF): $(BENCH_SRC)/loop.S $(BENCH_SRC)/loop.ld $(BENCH_SRC)/bench.mk
	@mkdir -p $(@D)
	gcc -m32 -ffreestanding -fno-pic -nostdlib -Wall -Wextra -Werror -c $(BENCH_SRC)/loop.S -o $(B)/bench/loop.o
	ld -m elf_i386 -nostdlib --build-id=none -T $(BENCH_SRC)/loop.ld $(B)/bench/loop.o -o $@

bench-embed: $(BENCH_ELF)
	cp $(BENCH_ELF) $(BENCH_SRC)/loop.elf

check-bench: $(BENCH_ELF)
	@cmp -s $(BENCH_ELF) $(BENCH_SRC)/loop.elf || \
		{ echo "check-bench: guest/bench/loop.elf is stale (run make bench-embed and commit)"; exit 1; }
	@echo "check-bench: guest/bench/loop.elf matches the build"
