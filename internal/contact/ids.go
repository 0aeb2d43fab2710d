package contact

import (
	"encoding/binary"

	"github.com/google/uuid"
)

// nextEventID returns a new UUIDv7 that sorts after prev (a contact's last
// event ID). UUIDv7s from one process increase; from processes whose clocks
// disagree they may not, and the relay publishes in ID order, so when the
// fresh ID does not sort after prev, the successor of prev is used instead.
// That keeps the events of one contact in order on the bus whichever process
// writes them.
func nextEventID(prev string) string {
	id := uuid.Must(uuid.NewV7())
	if prev == "" || id.String() > prev {
		return id.String()
	}
	p, err := uuid.Parse(prev)
	if err != nil || p.Version() != 7 {
		return id.String()
	}
	return successor(p).String()
}

// successor returns the next UUIDv7 after u: rand_b (62 bits) plus one,
// carrying into the millisecond timestamp and its 12-bit sequence.
func successor(u uuid.UUID) uuid.UUID {
	hi := binary.BigEndian.Uint64(u[0:8])
	lo := binary.BigEndian.Uint64(u[8:16])
	const randMask = 1<<62 - 1
	if r := lo & randMask; r < randMask {
		lo = lo&^randMask | (r + 1)
	} else {
		lo &^= randMask
		counter := (hi>>16)<<12 | hi&0xfff // unix_ts_ms(48) | seq(12)
		counter++
		hi = (counter>>12)<<16 | 0x7<<12 | counter&0xfff
	}
	var out uuid.UUID
	binary.BigEndian.PutUint64(out[0:8], hi)
	binary.BigEndian.PutUint64(out[8:16], lo)
	return out
}
