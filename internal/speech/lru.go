package speech

import (
	"container/list"
	"sync"
)

// lru keeps recently used clips in memory, bounded by entries and by total
// samples. Stored slices are never modified.
type lru struct {
	mu         sync.Mutex
	maxEntries int
	maxSamples int
	samples    int
	ll         *list.List // front = most recent; values are *lruEntry
	items      map[string]*list.Element
}

type lruEntry struct {
	key string
	pcm []int16
}

func newLRU(maxEntries, maxSamples int) *lru {
	return &lru{maxEntries: maxEntries, maxSamples: maxSamples, ll: list.New(), items: map[string]*list.Element{}}
}

func (c *lru) get(key string) ([]int16, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[key]; ok {
		c.ll.MoveToFront(e)
		return e.Value.(*lruEntry).pcm, true
	}
	return nil, false
}

func (c *lru) put(key string, pcm []int16) {
	if len(pcm) > c.maxSamples {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[key]; ok {
		c.ll.MoveToFront(e)
		return
	}
	c.items[key] = c.ll.PushFront(&lruEntry{key, pcm})
	c.samples += len(pcm)
	for c.ll.Len() > c.maxEntries || c.samples > c.maxSamples {
		e := c.ll.Back()
		ent := e.Value.(*lruEntry)
		c.ll.Remove(e)
		delete(c.items, ent.key)
		c.samples -= len(ent.pcm)
	}
}

func (c *lru) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ll.Len()
}
