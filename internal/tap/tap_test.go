package tap

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseLine(t *testing.T) {
	tests := []struct {
		in   string
		want Line
	}{
		{"TAP version 13", Line{Kind: KindVersion, Version: 13}},
		{"TAP version x", Line{Kind: KindOther}},
		{"1..4", Line{Kind: KindPlan, Plan: 4}},
		{"1..0 # SKIP no modules", Line{Kind: KindPlan, Plan: 0, Text: "SKIP no modules"}},
		{"1..", Line{Kind: KindOther}},
		{"1..3 trailing", Line{Kind: KindOther}},
		{"# hello there", Line{Kind: KindDiag, Text: "hello there"}},
		{"Bail out! no memory map", Line{Kind: KindBailOut, Text: "no memory map"}},
		{"booting...", Line{Kind: KindOther}},
		{"okay", Line{Kind: KindOther}},
		{"  ok 1 - indented is not TAP", Line{Kind: KindOther}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			assert.Equal(t, tt.want, ParseLine(tt.in))
		})
	}
}

func TestParseTestLines(t *testing.T) {
	tests := []struct {
		in   string
		want Result
	}{
		{"ok 1 - memory map has RAM", Result{OK: true, Number: 1, Description: "memory map has RAM"}},
		{"not ok 2 - crc32 matches", Result{Number: 2, Description: "crc32 matches"}},
		{"ok", Result{OK: true}},
		{"not ok", Result{}},
		{"ok 7", Result{OK: true, Number: 7}},
		{"ok no number", Result{OK: true, Description: "no number"}},
		{"ok 3 no dash", Result{OK: true, Number: 3, Description: "no dash"}},
		{"ok 4 - 2 pages # SKIP not now", Result{OK: true, Number: 4, Description: "2 pages", Directive: Skip, Reason: "not now"}},
		{"not ok 5 - flaky # TODO fix the timer", Result{Number: 5, Description: "flaky", Directive: Todo, Reason: "fix the timer"}},
		{"ok 6 # skip", Result{OK: true, Number: 6, Directive: Skip}},
		{"ok 7 - issue \\#12 fixed", Result{OK: true, Number: 7, Description: "issue #12 fixed"}},
		{"ok 8 - a # comment", Result{OK: true, Number: 8, Description: "a"}},
		{"ok 9 - trailing cr\r", Result{OK: true, Number: 9, Description: "trailing cr"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			l := ParseLine(tt.in)
			require.Equal(t, KindTest, l.Kind)
			l.Result.Line = ""
			assert.Equal(t, tt.want, l.Result)
		})
	}
}

func TestResultStringRoundTrip(t *testing.T) {
	for _, r := range []Result{
		{OK: true, Number: 1, Description: "plain"},
		{Number: 2, Description: "has # hash", Directive: Todo, Reason: "later"},
		{OK: true, Number: 3, Directive: Skip},
		{OK: true},
	} {
		got := ParseLine(r.String()).Result
		got.Line = ""
		assert.Equal(t, r, got, r.String())
	}
}

const goodStream = `booting dfemu guest
TAP version 13
1..3
ok 1 - first
# a note on the first
not ok 2 - second # TODO not yet
  ---
  message: later
  ...
ok 3 - third
kernel: powering off
`

func TestParseStream(t *testing.T) {
	rep := ParseString(goodStream)
	assert.Equal(t, 13, rep.Version)
	assert.Equal(t, 3, rep.Plan)
	require.Len(t, rep.Results, 3)
	assert.Equal(t, []string{"a note on the first"}, rep.Results[0].Diagnostics)
	assert.Equal(t, []string{"  ---", "  message: later", "  ..."}, rep.Results[1].Diagnostics)
	assert.Equal(t, "third", rep.Results[2].Description)
	assert.Empty(t, rep.Problems())
	passed, failed := rep.Counts()
	assert.Equal(t, 3, passed)
	assert.Equal(t, 0, failed)
}

func TestProblems(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
	}{
		{"empty", "", []string{"no TAP output"}},
		{"no TAP", "hello\nworld\n", []string{"no TAP output"}},
		{"no plan", "ok 1 - a\n", []string{"no plan (1 test points)"}},
		{"short", "1..3\nok 1\nok 2\n", []string{"planned 3 test points, ran 2"}},
		{"plan at end", "ok 1\nok 2\n1..2\n", nil},
		{"plan in middle", "ok 1\n1..2\nok 2\n", []string{"plan in the middle of the test points"}},
		{"numbering", "1..2\nok 1\nok 3\n", []string{"test point 2 is numbered 3"}},
		{"bail out", "1..3\nok 1\nBail out! out of memory\nok 2\n", []string{"bailed out: out of memory"}},
		{"skip all", "1..0 # SKIP nothing to do\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, ParseString(tt.in).Problems())
		})
	}
}

func TestCountsFailures(t *testing.T) {
	rep := ParseString("1..4\nok 1\nnot ok 2\nnot ok 3 # TODO x\nok 4 # SKIP y\n")
	passed, failed := rep.Counts()
	assert.Equal(t, 3, passed)
	assert.Equal(t, 1, failed)
}

func TestParserStreamsLines(t *testing.T) {
	p := NewParser()
	var kinds []Kind
	for _, l := range strings.Split(goodStream, "\n") {
		kinds = append(kinds, p.Feed(l).Kind)
	}
	assert.Equal(t, []Kind{KindOther, KindVersion, KindPlan, KindTest, KindDiag, KindTest,
		KindDiag, KindDiag, KindDiag, KindTest, KindOther, KindOther}, kinds)
	// Report is a snapshot: feeding more does not change it.
	rep := p.Report()
	p.Feed("ok 4 - extra")
	assert.Len(t, rep.Results, 3)
}

func FuzzParse(f *testing.F) {
	f.Add(goodStream)
	f.Add("1..2\nok 1 - a \\# b # SKIP c\nnot ok 2\nBail out!\n")
	f.Add("ok 123456789012 - big number\n1..99999999999\n")
	f.Fuzz(func(t *testing.T, s string) {
		rep := ParseString(s)
		passed, failed := rep.Counts()
		if passed+failed != len(rep.Results) {
			t.Fatalf("counts %d+%d != %d results", passed, failed, len(rep.Results))
		}
		if len(rep.Results) > strings.Count(s, "\n")+1 {
			t.Fatalf("%d results from %d lines", len(rep.Results), strings.Count(s, "\n")+1)
		}
		_ = rep.Problems()
		// A canonical test line parses back to the same result.
		for _, r := range rep.Results {
			back := ParseLine(r.String()).Result
			if back.OK != r.OK || back.Number != r.Number || back.Directive != r.Directive {
				t.Fatalf("round trip of %q: %q -> %+v", r.Line, r.String(), back)
			}
		}
	})
}
