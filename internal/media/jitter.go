package media

// JitterBuffer puts received frames back in sequence order for consumers
// that need a continuous stream (the recorder, speech recognition). It holds
// at most depth frames beyond the next one it waits for; when a frame has
// not arrived by then it is declared lost and released as a gap, a Frame
// whose PCM is nil (its Seq is the missing number and its Timestamp an
// estimate), so the consumer can fill silence. Frames that arrive after
// their slot was released, and duplicates, are dropped. At the start of a
// stream the first frames are held until depth frames have arrived, so a
// first packet overtaken by its successor still comes out first. Sequence numbers
// are extended past the 16-bit wrap (RFC 3550 §A.1); a jump of more than
// 100 packets either way is taken as a new stream: what is held is
// released and ordering restarts.
//
// A JitterBuffer is not safe for concurrent use.
type JitterBuffer struct {
	depth   int
	held    map[int64]Frame
	started bool
	primed  bool  // released something, or waited long enough to
	next    int64 // extended sequence number of the next frame to release
	highest int64

	lastTS  uint32 // timestamp and length of the last frame released
	lastLen uint32
	haveTS  bool

	stats JitterStats
}

// JitterStats counts what a JitterBuffer did.
type JitterStats struct {
	Released   uint64 // frames released, gaps included
	Lost       uint64 // gaps released
	Late       uint64 // frames dropped because their slot was already released
	Duplicates uint64
	Resets     uint64 // sequence jumps taken as a new stream
}

// maxSeqJump is the sequence distance beyond which a frame starts a new
// stream rather than a gap (2 s at 20 ms).
const maxSeqJump = 100

// NewJitterBuffer returns a buffer that waits for a missing frame until
// depth later frames have arrived (3 = 60 ms at 20 ms packets). depth < 1
// means 1.
func NewJitterBuffer(depth int) *JitterBuffer {
	return &JitterBuffer{depth: max(depth, 1), held: map[int64]Frame{}}
}

// Push adds f and appends to dst the frames (and gaps) it releases, in
// order.
func (j *JitterBuffer) Push(dst []Frame, f Frame) []Frame {
	if !j.started {
		j.started = true
		j.next = 1<<16 + int64(f.Seq)
		j.highest = j.next
	}
	ext := j.highest + int64(int16(f.Seq-uint16(j.highest)))
	if ext > j.highest+maxSeqJump || ext < j.next-maxSeqJump {
		dst = j.Flush(dst)
		j.stats.Resets++
		j.next = 1<<16 + int64(f.Seq)
		j.highest = j.next
		j.primed = false
		ext = j.next
	}
	if !j.primed && ext < j.next && ext >= j.next-int64(j.depth) && len(j.held) > 0 {
		j.next = ext // the stream started earlier than its first packet to arrive
	}
	switch _, dup := j.held[ext]; {
	case ext < j.next:
		j.stats.Late++
		return dst
	case dup:
		j.stats.Duplicates++
		return dst
	}
	j.held[ext] = f
	j.highest = max(j.highest, ext)
	if !j.primed {
		// At the start, wait until depth frames follow the first one, so a
		// reordered first packet is not taken as late.
		if j.highest-j.next < int64(j.depth) {
			return dst
		}
		j.primed = true
	}
	for {
		if fr, ok := j.held[j.next]; ok {
			dst = j.release(dst, fr)
			continue
		}
		if j.highest-j.next < int64(j.depth) {
			return dst
		}
		dst = j.releaseGap(dst)
	}
}

// Flush appends every held frame to dst in order, with gaps for the missing
// ones between them, and empties the buffer. The next Push continues the
// same sequence.
func (j *JitterBuffer) Flush(dst []Frame) []Frame {
	j.primed = j.primed || len(j.held) > 0
	for len(j.held) > 0 {
		if fr, ok := j.held[j.next]; ok {
			dst = j.release(dst, fr)
		} else {
			dst = j.releaseGap(dst)
		}
	}
	return dst
}

// Len returns the number of frames held.
func (j *JitterBuffer) Len() int { return len(j.held) }

// Stats returns the counters.
func (j *JitterBuffer) Stats() JitterStats { return j.stats }

func (j *JitterBuffer) release(dst []Frame, fr Frame) []Frame {
	delete(j.held, j.next)
	j.next++
	j.lastTS, j.lastLen, j.haveTS = fr.Timestamp, uint32(len(fr.PCM)), true
	j.stats.Released++
	return append(dst, fr)
}

func (j *JitterBuffer) releaseGap(dst []Frame) []Frame {
	gap := Frame{Seq: uint16(j.next)}
	if j.haveTS {
		n := j.lastLen
		if n == 0 {
			n = FrameSamples
		}
		gap.Timestamp = j.lastTS + n
		j.lastTS, j.lastLen = gap.Timestamp, n
	}
	j.next++
	j.stats.Released++
	j.stats.Lost++
	return append(dst, gap)
}
