package dev

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestTraceCtl(t *testing.T) {
	var calls []bool
	accept := true
	d := NewTraceCtl(func(on bool) bool { calls = append(calls, on); return accept })
	assert.Equal(t, []Range{{PortTraceCtl, 1}}, d.Ranges())
	assert.Equal(t, uint32(0), d.In(PortTraceCtl, 1))
	d.Out(PortTraceCtl, 1, 1)
	assert.Equal(t, uint32(1), d.In(PortTraceCtl, 1))
	d.Out(PortTraceCtl, 4, 0xFFFFFF00) // taken at size 4: not 0 or 1, ignored
	d.Out(PortTraceCtl, 1, 2)          // not 0 or 1: ignored
	assert.True(t, d.On())
	d.Out(PortTraceCtl, 1, 0x100) // 0 at size 1
	assert.False(t, d.On())
	accept = false
	d.Out(PortTraceCtl, 2, 1)
	assert.False(t, d.On(), "the machine refused")
	assert.Equal(t, []bool{true, false, true}, calls)
	d.Set(true)
	assert.Equal(t, uint32(1), d.In(PortTraceCtl, 4))
	NewTraceCtl(nil).Out(PortTraceCtl, 1, 1) // no callback: nothing happens, no panic
}
