// Package tap parses the Test Anything Protocol, version 13, as the guest
// test suites print it on the serial console.
//
// The grammar understood, one line at a time (leading "\r" noise from a
// serial console is tolerated; anything else unrecognised is ignored, as
// TAP requires):
//
//	TAP version 13
//	1..N [# SKIP reason]          the plan (first or last)
//	ok [N] [-] [description] [# SKIP|TODO [reason]]
//	not ok [N] [-] [description] [# SKIP|TODO [reason]]
//	# diagnostic text
//	  ---                         a YAML block attached to the test above,
//	  ...                         kept verbatim as diagnostics
//	Bail out! [reason]
//
// A '#' inside a description is written "\#"; an unescaped '#' starts the
// directive.
package tap

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Directive is the "# SKIP" or "# TODO" annotation of a test point.
type Directive string

const (
	NoDirective Directive = ""
	Skip        Directive = "SKIP"
	Todo        Directive = "TODO"
)

// Result is one test point.
type Result struct {
	OK          bool
	Number      int // as printed; 0 when the line has no number
	Description string
	Directive   Directive
	Reason      string   // the directive's text
	Diagnostics []string // "#" lines and YAML lines that followed it
	Line        string   // the line as the guest printed it
}

// Failed reports whether the test point counts as a failure: "not ok"
// without a TODO directive.
func (r Result) Failed() bool { return !r.OK && r.Directive != Todo }

// String formats the result as a canonical TAP line.
func (r Result) String() string {
	var b strings.Builder
	if !r.OK {
		b.WriteString("not ")
	}
	b.WriteString("ok")
	if r.Number > 0 {
		fmt.Fprintf(&b, " %d", r.Number)
	}
	if r.Description != "" {
		b.WriteString(" - ")
		b.WriteString(strings.ReplaceAll(r.Description, "#", `\#`))
	}
	if r.Directive != NoDirective {
		b.WriteString(" # ")
		b.WriteString(string(r.Directive))
		if r.Reason != "" {
			b.WriteString(" ")
			b.WriteString(r.Reason)
		}
	}
	return b.String()
}

// Kind classifies one line.
type Kind int

const (
	KindOther   Kind = iota // not TAP: ignored
	KindVersion             // "TAP version N"
	KindPlan                // "1..N"
	KindTest                // "ok ..." / "not ok ..."
	KindDiag                // "# ..."
	KindBailOut             // "Bail out! ..."
)

// Line is one parsed line.
type Line struct {
	Kind    Kind
	Version int    // KindVersion
	Plan    int    // KindPlan: the number of tests planned
	Text    string // KindPlan: skip reason; KindDiag: text; KindBailOut: reason
	Result  Result // KindTest
}

// ParseLine classifies and parses one line (without its newline).
func ParseLine(s string) Line {
	s = strings.TrimRight(strings.TrimLeft(s, "\r"), "\r")
	switch {
	case strings.HasPrefix(s, "TAP version "):
		v, err := strconv.Atoi(strings.TrimSpace(s[len("TAP version "):]))
		if err != nil {
			return Line{Kind: KindOther}
		}
		return Line{Kind: KindVersion, Version: v}
	case strings.HasPrefix(s, "1.."):
		return parsePlan(s)
	case strings.HasPrefix(s, "ok"), strings.HasPrefix(s, "not ok"):
		return parseTest(s)
	case strings.HasPrefix(s, "#"):
		return Line{Kind: KindDiag, Text: strings.TrimSpace(s[1:])}
	case strings.HasPrefix(s, "Bail out!"):
		return Line{Kind: KindBailOut, Text: strings.TrimSpace(s[len("Bail out!"):])}
	}
	return Line{Kind: KindOther}
}

// parsePlan parses "1..N [# reason]".
func parsePlan(s string) Line {
	rest := s[len("1.."):]
	digits := len(rest) - len(strings.TrimLeft(rest, "0123456789"))
	if digits == 0 || digits > 9 {
		return Line{Kind: KindOther}
	}
	n, _ := strconv.Atoi(rest[:digits]) // only digits, at most 9: cannot fail
	rest = strings.TrimSpace(rest[digits:])
	l := Line{Kind: KindPlan, Plan: n}
	if rest == "" {
		return l
	}
	if !strings.HasPrefix(rest, "#") {
		return Line{Kind: KindOther}
	}
	l.Text = strings.TrimSpace(rest[1:])
	return l
}

// parseTest parses an "ok"/"not ok" line.
func parseTest(s string) Line {
	r := Result{Line: s}
	rest := s
	if strings.HasPrefix(rest, "not ok") {
		rest = rest[len("not ok"):]
	} else {
		r.OK = true
		rest = rest[len("ok"):]
	}
	// "ok" must be a whole word: "okay" is not a test line.
	if rest != "" && rest[0] != ' ' && rest[0] != '\t' {
		return Line{Kind: KindOther}
	}
	rest = strings.TrimLeft(rest, " \t")
	digits := len(rest) - len(strings.TrimLeft(rest, "0123456789"))
	if digits > 0 && digits <= 9 && (digits == len(rest) || rest[digits] == ' ' || rest[digits] == '\t') {
		r.Number, _ = strconv.Atoi(rest[:digits]) // digits only: cannot fail
		rest = strings.TrimLeft(rest[digits:], " \t")
	}
	if strings.HasPrefix(rest, "- ") || rest == "-" {
		rest = strings.TrimLeft(rest[1:], " \t")
	}
	desc, directive := splitDirective(rest)
	r.Description = strings.TrimSpace(strings.ReplaceAll(desc, `\#`, "#"))
	r.Directive, r.Reason = parseDirective(directive)
	return Line{Kind: KindTest, Result: r}
}

// splitDirective splits at the first '#' not escaped by a backslash.
func splitDirective(s string) (desc, directive string) {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++ // skip the escaped character
		case '#':
			return s[:i], s[i+1:]
		}
	}
	return s, ""
}

// parseDirective recognises "SKIP reason" / "TODO reason" (any case; TAP
// allows "skipped" and the like as long as it starts with SKIP).
func parseDirective(s string) (Directive, string) {
	s = strings.TrimSpace(s)
	if len(s) < 4 {
		return NoDirective, ""
	}
	_, reason, _ := strings.Cut(s, " ")
	reason = strings.TrimSpace(reason)
	switch {
	case strings.EqualFold(s[:4], "SKIP"):
		return Skip, reason
	case strings.EqualFold(s[:4], "TODO"):
		return Todo, reason
	}
	return NoDirective, ""
}

// Report is a whole TAP stream.
type Report struct {
	Version     int // 0 when there was no version line
	Plan        int // -1 when there was no plan
	PlanReason  string
	Results     []Result
	Diagnostics []string // "#" lines before the first test point
	BailedOut   bool
	BailReason  string
	sawTAP      bool
	planLine    int // index in Results at which the plan appeared
}

// Parse reads a whole TAP stream; lines that are not TAP are ignored.
// It fails only when r fails.
func Parse(r io.Reader) (*Report, error) {
	p := NewParser()
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		p.Feed(sc.Text())
	}
	if err := sc.Err(); err != nil {
		return p.Report(), fmt.Errorf("tap: reading: %w", err)
	}
	return p.Report(), nil
}

// ParseString is Parse on a string.
func ParseString(s string) *Report {
	rep, _ := Parse(strings.NewReader(s)) // a strings.Reader cannot fail
	return rep
}

// Parser parses a stream line by line, for callers that print results as
// they arrive.
type Parser struct {
	rep    Report
	inYAML bool
}

// NewParser returns a parser for a new stream.
func NewParser() *Parser { return &Parser{rep: Report{Plan: -1}} }

// Feed parses one line and returns it. Lines inside a YAML block are
// returned as KindDiag.
func (p *Parser) Feed(s string) Line {
	rep := &p.rep
	if p.inYAML {
		t := strings.TrimSpace(strings.Trim(s, "\r"))
		p.attachDiag(strings.TrimRight(strings.Trim(s, "\r"), " "))
		if t == "..." {
			p.inYAML = false
		}
		return Line{Kind: KindDiag, Text: t}
	}
	if t := strings.TrimSpace(strings.Trim(s, "\r")); t == "---" && strings.HasPrefix(s, " ") && len(rep.Results) > 0 {
		p.inYAML = true
		p.attachDiag(strings.TrimRight(strings.Trim(s, "\r"), " "))
		return Line{Kind: KindDiag, Text: t}
	}
	l := ParseLine(s)
	if rep.BailedOut {
		return l // nothing after a bail out counts
	}
	switch l.Kind {
	case KindVersion:
		rep.sawTAP = true
		rep.Version = l.Version
	case KindPlan:
		rep.sawTAP = true
		if rep.Plan < 0 {
			rep.Plan, rep.PlanReason = l.Plan, l.Text
			rep.planLine = len(rep.Results)
		}
	case KindTest:
		rep.sawTAP = true
		rep.Results = append(rep.Results, l.Result)
	case KindDiag:
		p.attachDiag(l.Text)
	case KindBailOut:
		rep.sawTAP = true
		rep.BailedOut, rep.BailReason = true, l.Text
	}
	return l
}

func (p *Parser) attachDiag(s string) {
	rep := &p.rep
	if n := len(rep.Results); n > 0 {
		rep.Results[n-1].Diagnostics = append(rep.Results[n-1].Diagnostics, s)
		return
	}
	rep.Diagnostics = append(rep.Diagnostics, s)
}

// Report returns the stream parsed so far.
func (p *Parser) Report() *Report {
	rep := p.rep
	rep.Results = append([]Result(nil), p.rep.Results...)
	return &rep
}

// Counts returns how many test points passed (ok, or not ok with TODO)
// and how many failed.
func (r *Report) Counts() (passed, failed int) {
	for _, res := range r.Results {
		if res.Failed() {
			failed++
		} else {
			passed++
		}
	}
	return passed, failed
}

// Problems lists what is wrong with the stream as a whole, beyond failed
// test points: no TAP at all, a missing plan, a plan the results do not
// match, test numbers out of sequence, a bail out. Empty means the stream
// is well formed.
func (r *Report) Problems() []string {
	var ps []string
	if !r.sawTAP {
		return []string{"no TAP output"}
	}
	if r.BailedOut {
		ps = append(ps, "bailed out: "+r.BailReason)
	}
	switch {
	case r.Plan < 0:
		ps = append(ps, fmt.Sprintf("no plan (%d test points)", len(r.Results)))
	case r.planLine != 0 && r.planLine != len(r.Results):
		ps = append(ps, "plan in the middle of the test points")
	case r.Plan != len(r.Results) && !r.BailedOut:
		ps = append(ps, fmt.Sprintf("planned %d test points, ran %d", r.Plan, len(r.Results)))
	}
	for i, res := range r.Results {
		if res.Number != 0 && res.Number != i+1 {
			ps = append(ps, fmt.Sprintf("test point %d is numbered %d", i+1, res.Number))
			break
		}
	}
	return ps
}
