# bench.mk: the CPU-bound benchmark guest (guest/bench/loop.S). Included
# from the top-level Makefile. The image is committed (guest/bench/loop.elf,
# embedded by guest/bench/bench.go) so `dfemu bench` needs only Go; CI
# rebuilds it with this rule and fails if the committed copy differs.

BENCH_DIR := guest/bench

$(BENCH_DIR)/loop.elf: $(BENCH_DIR)/loop.S $(BENCH_DIR)/loop.ld $(BENCH_DIR)/bench.mk
	gcc -m32 -ffreestanding -fno-pic -nostdlib -Wall -Wextra -Werror -c $(BENCH_DIR)/loop.S -o $(BENCH_DIR)/loop.o
	ld -m elf_i386 -nostdlib -T $(BENCH_DIR)/loop.ld $(BENCH_DIR)/loop.o -o $@
	rm -f $(BENCH_DIR)/loop.o

.PHONY: bench-image
bench-image: $(BENCH_DIR)/loop.elf
