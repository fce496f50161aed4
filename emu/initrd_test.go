package emu

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestParseInitrd(t *testing.T) {
	assert.Equal(t, []InitrdEntry{
		{Path: "a.elf", String: "a.elf args x"},
		{Path: "b.elf", String: "b.elf"},
	}, ParseInitrd("a.elf args x,b.elf"))
	assert.Equal(t, []InitrdEntry{
		{Path: "c.elf", String: "c.elf x,y"},
		{Path: "d,e.elf", String: "d,e.elf"},
	}, ParseInitrd("c.elf x,,y,d,,e.elf"))
	assert.Nil(t, ParseInitrd(""))
	assert.Equal(t, []InitrdEntry{{Path: "a", String: "a"}}, ParseInitrd("a,"))
}
