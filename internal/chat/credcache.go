package chat

import "sync"

// credCacheSize bounds the credentials a Service keeps in memory; when it is
// full the cache starts over (cheap, and rare: a few credentials per chat).
const credCacheSize = 65536

// credCache keeps credentials read from the Backend. A credential never
// changes once stored (tokens are random, so a hash is written once) and
// its expiry is checked on every use, so a cached one is as good as a
// fresh read; only tokens that were found are kept. This takes a database
// read off every participant request.
type credCache struct {
	mu sync.Mutex
	m  map[TokenHash]Credential
}

func (c *credCache) get(h TokenHash) (Credential, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cred, ok := c.m[h]
	return cred, ok
}

func (c *credCache) put(cred Credential) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= credCacheSize {
		c.m = make(map[TokenHash]Credential)
	}
	c.m[cred.Hash] = cred
}
