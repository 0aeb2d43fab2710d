package main

import (
	"fmt"
	"math"
	"sort"
	"time"
)

// dist is a distribution's summary, in milliseconds.
type dist struct {
	N   int     `json:"n"`
	P50 float64 `json:"p50"`
	P95 float64 `json:"p95"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

func summarize(v []float64) dist {
	if len(v) == 0 {
		return dist{}
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	q := func(p float64) float64 { return s[min(len(s)-1, int(math.Ceil(p*float64(len(s))))-1)] }
	return dist{N: len(s), P50: q(0.50), P95: q(0.95), P99: q(0.99), Max: s[len(s)-1]}
}

func (d dist) String() string {
	if d.N == 0 {
		return "-"
	}
	return fmt.Sprintf("p50 %s  p95 %s  p99 %s  max %s ms (n=%d)", ms(d.P50), ms(d.P95), ms(d.P99), ms(d.Max), d.N)
}

func ms(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}

func durMS(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// direction is one direction of audio over every call, measured on the
// packets sent in the steady window.
type direction struct {
	Streams   int     `json:"streams"`
	Sent      int64   `json:"sent"`
	Received  int64   `json:"received"`
	Duplicate int64   `json:"duplicate"`
	LossPct   float64 `json:"lossPct"`
	// Transit is arrival − send time (one way through the server, plus
	// both ends' scheduling on this machine).
	Transit dist `json:"transitMs"`
	// Jitter is |transit − the stream's median transit|: the delay
	// variation the server (and the machine) added.
	Jitter dist `json:"jitterMs"`
	// RFC3550 is each stream's interarrival jitter estimate (RFC 3550
	// §6.4.1) at the end of the window, over the streams.
	RFC3550 dist `json:"rfc3550Ms"`
	// Crossed counts receivers that got packets of more than one stream
	// (a call bridged to the wrong one).
	Crossed int `json:"crossed"`
}

// measure computes a direction from the senders' logs (stream → send time
// of each packet number) and the receivers' arrivals, over the packets sent
// in [from, to).
func measure(sent map[uint32][]int64, receivers [][]arrival, from, to time.Time) direction {
	f, t := from.UnixNano(), to.UnixNano()
	var d direction
	byStream := map[uint32][]arrival{}
	for _, r := range receivers {
		seen := map[uint32]bool{}
		for _, a := range r {
			seen[a.Stream] = true
			byStream[a.Stream] = append(byStream[a.Stream], a)
		}
		if len(seen) > 1 {
			d.Crossed++
		}
	}
	var transits, devs, rfc []float64
	for stream, times := range sent {
		var n int64
		for _, s := range times {
			if s >= f && s < t {
				n++
			}
		}
		if n == 0 {
			continue
		}
		d.Streams++
		d.Sent += n
		got := byStream[stream]
		sort.Slice(got, func(i, j int) bool { return got[i].At < got[j].At })
		dup := map[uint32]bool{}
		var tr []float64
		for _, a := range got {
			if a.Sent < f || a.Sent >= t {
				continue
			}
			if dup[a.N] {
				d.Duplicate++
				continue
			}
			dup[a.N] = true
			tr = append(tr, float64(a.At-a.Sent)/1e6)
		}
		d.Received += int64(len(tr))
		if len(tr) == 0 {
			continue
		}
		transits = append(transits, tr...)
		med := summarize(tr).P50
		var j float64
		for i, x := range tr {
			devs = append(devs, math.Abs(x-med))
			if i > 0 {
				j += (math.Abs(x-tr[i-1]) - j) / 16
			}
		}
		rfc = append(rfc, j)
	}
	if d.Sent > 0 {
		d.LossPct = 100 * float64(d.Sent-d.Received) / float64(d.Sent)
	}
	d.Transit, d.Jitter, d.RFC3550 = summarize(transits), summarize(devs), summarize(rfc)
	return d
}
