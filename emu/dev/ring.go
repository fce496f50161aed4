package dev

// byteRing is a fixed-capacity FIFO of bytes: the UART's receive FIFO and
// its host-side input queue. Not safe for concurrent use; the UART's lock
// guards it.
type byteRing struct {
	buf  []byte
	head int // index of the oldest byte
	n    int // bytes held
}

func newByteRing(capacity int) byteRing {
	return byteRing{buf: make([]byte, capacity)}
}

func (r *byteRing) len() int   { return r.n }
func (r *byteRing) free() int  { return len(r.buf) - r.n }
func (r *byteRing) full() bool { return r.n == len(r.buf) }
func (r *byteRing) reset()     { r.head, r.n = 0, 0 }

// push appends b; it reports false, dropping b, when the ring is full.
func (r *byteRing) push(b byte) bool {
	if r.full() {
		return false
	}
	r.buf[(r.head+r.n)%len(r.buf)] = b
	r.n++
	return true
}

// pushSome appends as much of p as fits and returns how many bytes that was.
func (r *byteRing) pushSome(p []byte) int {
	k := 0
	for k < len(p) && r.push(p[k]) {
		k++
	}
	return k
}

// pop removes and returns the oldest byte; ok is false when empty.
func (r *byteRing) pop() (b byte, ok bool) {
	if r.n == 0 {
		return 0, false
	}
	b = r.buf[r.head]
	r.head = (r.head + 1) % len(r.buf)
	r.n--
	return b, true
}

// replaceNewest overwrites the most recently pushed byte (the 16450-style
// overrun of a one-byte receive buffer). The ring must not be empty.
func (r *byteRing) replaceNewest(b byte) {
	r.buf[(r.head+r.n-1)%len(r.buf)] = b
}
