package main

import (
	"errors"
	"fmt"
	"os"

	"dfemu/emu"
)

// loadInitrd reads the modules an -initrd value names (QEMU syntax, split
// by emu.ParseInitrd): each module's file is its text up to the first
// space, and its Multiboot string the whole text.
func loadInitrd(spec string) ([]emu.Module, error) {
	entries := emu.ParseInitrd(spec)
	if len(entries) == 0 {
		return nil, errors.New("-initrd: no module named")
	}
	mods := make([]emu.Module, 0, len(entries))
	for _, e := range entries {
		data, err := os.ReadFile(e.Path)
		if err != nil {
			return nil, fmt.Errorf("-initrd: %w", err)
		}
		mods = append(mods, emu.Module{String: e.String, Data: data})
	}
	return mods, nil
}
