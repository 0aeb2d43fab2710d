package routing

// ostree is an order-statistic tree (a treap whose nodes count their
// subtree): it keeps one line's waiting contacts in the order the router
// serves them, so that a contact's place in line is found in O(log n)
// without scanning. The loop changes it under Router.posMu; readers walk it
// under the read lock.
type ostree struct {
	root *osNode
	rnd  uint64 // xorshift state for node priorities
}

type osNode struct {
	key   posKey
	pri   uint64
	size  int
	left  *osNode
	right *osNode
}

// posKey is a waiting contact's place in its line: contact priority
// (ascending), then routing position (contactLess: adjusted enqueue time,
// then arrival sequence). It is the order of line.levels.
type posKey struct {
	prio int
	adj  int64 // contact.adj in Unix ns
	seq  uint64
}

func (a posKey) less(b posKey) bool {
	if a.prio != b.prio {
		return a.prio < b.prio
	}
	if a.adj != b.adj {
		return a.adj < b.adj
	}
	return a.seq < b.seq
}

func keyOf(c *contact) posKey { return posKey{prio: c.Priority, adj: c.adj.UnixNano(), seq: c.seq} }

func (n *osNode) sz() int {
	if n == nil {
		return 0
	}
	return n.size
}

func (n *osNode) update() { n.size = 1 + n.left.sz() + n.right.sz() }

// Len returns the number of keys in the tree.
func (t *ostree) Len() int { return t.root.sz() }

func (t *ostree) nextPri() uint64 {
	if t.rnd == 0 {
		t.rnd = 0x9E3779B97F4A7C15
	}
	t.rnd ^= t.rnd << 13
	t.rnd ^= t.rnd >> 7
	t.rnd ^= t.rnd << 17
	return t.rnd
}

// insert adds n (its key set, not in any tree).
func (t *ostree) insert(n *osNode) {
	n.pri = t.nextPri()
	n.left, n.right = nil, nil
	n.size = 1
	l, r := split(t.root, n.key)
	t.root = merge(merge(l, n), r)
}

// remove takes out the node with key k, if any.
func (t *ostree) remove(k posKey) {
	t.root = removeKey(t.root, k)
}

// rank returns how many keys are less than k.
func (t *ostree) rank(k posKey) int {
	n, r := t.root, 0
	for n != nil {
		if n.key.less(k) {
			r += n.left.sz() + 1
			n = n.right
		} else {
			n = n.left
		}
	}
	return r
}

// split divides n into the keys less than k and the others.
func split(n *osNode, k posKey) (*osNode, *osNode) {
	if n == nil {
		return nil, nil
	}
	if n.key.less(k) {
		l, r := split(n.right, k)
		n.right = l
		n.update()
		return n, r
	}
	l, r := split(n.left, k)
	n.left = r
	n.update()
	return l, n
}

// merge joins a and b, every key of a being less than every key of b.
func merge(a, b *osNode) *osNode {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	case a.pri > b.pri:
		a.right = merge(a.right, b)
		a.update()
		return a
	default:
		b.left = merge(a, b.left)
		b.update()
		return b
	}
}

func removeKey(n *osNode, k posKey) *osNode {
	if n == nil {
		return nil
	}
	switch {
	case k.less(n.key):
		n.left = removeKey(n.left, k)
	case n.key.less(k):
		n.right = removeKey(n.right, k)
	default:
		m := merge(n.left, n.right)
		n.left, n.right = nil, nil
		return m
	}
	n.update()
	return n
}
