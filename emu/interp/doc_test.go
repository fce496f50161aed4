package interp

import "testing"

func TestStopReasonString(t *testing.T) {
	if StopShutdown.String() != "triple fault" {
		t.Fatal(StopShutdown.String())
	}
}
