package media

import (
	"testing"
)

func jf(seq uint16) Frame {
	return Frame{Seq: seq, Timestamp: uint32(seq) * FrameSamples, PCM: make([]int16, FrameSamples)}
}

// seqs lists released sequence numbers, a lost frame's negated.
func seqs(fs []Frame) (got []int) {
	for _, f := range fs {
		if f.PCM == nil {
			got = append(got, -int(f.Seq))
		} else {
			got = append(got, int(f.Seq))
		}
	}
	return got
}

func eq(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestJitterBufferReordersWithinDepth(t *testing.T) {
	j := NewJitterBuffer(3)
	var out []Frame
	for _, s := range []uint16{10, 12, 11, 13, 15, 14, 16} {
		out = j.Push(out, jf(s))
	}
	if got := seqs(out); !eq(got, []int{10, 11, 12, 13, 14, 15, 16}) {
		t.Errorf("released %v", got)
	}
	if j.Len() != 0 || j.Stats().Lost != 0 {
		t.Errorf("held %d, stats %+v", j.Len(), j.Stats())
	}
}

func TestJitterBufferReportsLossAfterDepth(t *testing.T) {
	j := NewJitterBuffer(3)
	var out []Frame
	for _, s := range []uint16{1, 3, 4} {
		out = j.Push(out, jf(s))
	}
	if got := seqs(out); !eq(got, []int{1}) {
		t.Fatalf("released %v before the depth was reached", got)
	}
	out = j.Push(out, jf(5)) // 3 frames past the hole: 2 is lost
	if got := seqs(out); !eq(got, []int{1, -2, 3, 4, 5}) {
		t.Fatalf("released %v", got)
	}
	if gap := out[1]; gap.Timestamp != 2*FrameSamples {
		t.Errorf("gap timestamp %d, want %d", gap.Timestamp, 2*FrameSamples)
	}
	out = j.Push(out[:0], jf(2)) // too late now
	if len(out) != 0 || j.Stats().Late != 1 {
		t.Errorf("late frame released: %v, %+v", seqs(out), j.Stats())
	}
	out = j.Push(out, jf(5))
	if len(out) != 0 || j.Stats().Late != 2 {
		t.Errorf("duplicate of a released frame: %v %+v", seqs(out), j.Stats())
	}
	st := j.Stats()
	if st.Lost != 1 || st.Released != 5 {
		t.Errorf("stats %+v", st)
	}
}

func TestJitterBufferHandlesSequenceWrap(t *testing.T) {
	j := NewJitterBuffer(2)
	var out []Frame
	for _, s := range []uint16{65533, 65535, 65534, 1, 0, 2, 3} {
		out = j.Push(out, jf(s))
	}
	if got := seqs(out); !eq(got, []int{65533, 65534, 65535, 0, 1, 2, 3}) {
		t.Errorf("released %v", got)
	}
}

func TestJitterBufferDropsDuplicatesAndFlushes(t *testing.T) {
	j := NewJitterBuffer(5)
	var out []Frame
	for _, s := range []uint16{7, 9, 9, 11} {
		out = j.Push(out, jf(s))
	}
	if j.Stats().Duplicates != 1 {
		t.Errorf("stats %+v", j.Stats())
	}
	out = j.Flush(out)
	if got := seqs(out); !eq(got, []int{7, -8, 9, -10, 11}) {
		t.Errorf("released %v", got)
	}
	out = j.Push(out[:0], jf(12)) // the sequence goes on after a flush
	if got := seqs(out); !eq(got, []int{12}) {
		t.Errorf("after flush: %v", got)
	}
}

func TestJitterBufferRestartsOnLargeJump(t *testing.T) {
	j := NewJitterBuffer(3)
	var out []Frame
	for _, s := range []uint16{100, 101, 103, 5000, 5001} {
		out = j.Push(out, jf(s))
	}
	out = j.Flush(out)
	if got := seqs(out); !eq(got, []int{100, 101, -102, 103, 5000, 5001}) {
		t.Errorf("released %v", got)
	}
	if j.Stats().Resets != 1 {
		t.Errorf("stats %+v", j.Stats())
	}
}

func FuzzJitterBuffer(f *testing.F) {
	f.Add([]byte{0, 1, 0, 3, 0, 2, 255, 255, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		j := NewJitterBuffer(3)
		var out []Frame
		pushed := 0
		for i := 0; i+1 < len(b); i += 2 {
			out = j.Push(out, jf(uint16(b[i])<<8|uint16(b[i+1])))
			pushed++
			if j.Len() > 3+maxSeqJump {
				t.Fatalf("holds %d frames", j.Len())
			}
		}
		out = j.Flush(out)
		real := 0
		for k, f := range out {
			if f.PCM != nil {
				real++
			}
			if k > 0 && f.Seq != out[k-1].Seq+1 && j.Stats().Resets == 0 {
				t.Fatalf("out of order without a reset: %v", seqs(out))
			}
		}
		st := j.Stats()
		if real+int(st.Late+st.Duplicates) != pushed {
			t.Fatalf("pushed %d, released %d real, %+v", pushed, real, st)
		}
	})
}

func TestJitterBufferWaitsForAReorderedFirstFrame(t *testing.T) {
	j := NewJitterBuffer(3)
	var out []Frame
	for _, s := range []uint16{501, 500, 502, 503, 504} {
		out = j.Push(out, jf(s))
	}
	if got := seqs(out); !eq(got, []int{500, 501, 502, 503, 504}) {
		t.Errorf("released %v", got)
	}
	if j.Stats().Late != 0 {
		t.Errorf("stats %+v", j.Stats())
	}
}
