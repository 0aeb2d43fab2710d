package routing

// iheap is a binary min-heap whose elements know their index (setIndex is
// called on every move, with -1 on removal), so any element can be removed
// or re-positioned in O(log n). The router uses it for contacts in a queue
// line (by routing age), for contacts by real age (metrics), for the agents
// able to take a channel (by load and idle time) and for timers.
type iheap[T any] struct {
	items    []T
	less     func(a, b T) bool
	setIndex func(x T, i int)
}

func (h *iheap[T]) Len() int { return len(h.items) }

func (h *iheap[T]) peek() (T, bool) {
	if len(h.items) == 0 {
		var zero T
		return zero, false
	}
	return h.items[0], true
}

func (h *iheap[T]) push(x T) {
	h.items = append(h.items, x)
	i := len(h.items) - 1
	h.setIndex(x, i)
	h.up(i)
}

func (h *iheap[T]) pop() T {
	return h.remove(0)
}

// remove takes out the element at index i and returns it.
func (h *iheap[T]) remove(i int) T {
	n := len(h.items) - 1
	x := h.items[i]
	if i != n {
		h.swap(i, n)
	}
	var zero T
	h.items[n] = zero
	h.items = h.items[:n]
	if i != n {
		if !h.down(i) {
			h.up(i)
		}
	}
	h.setIndex(x, -1)
	return x
}

// fix restores the order after the element at i changed its key.
func (h *iheap[T]) fix(i int) {
	if !h.down(i) {
		h.up(i)
	}
}

// first returns the smallest element for which ok is true, visiting
// elements in order (best-first over the heap's tree), so it costs O(1)
// when the smallest passes and O(k log k) when k elements fail first.
func (h *iheap[T]) first(ok func(T) bool) (T, bool) {
	var zero T
	if len(h.items) == 0 {
		return zero, false
	}
	if ok(h.items[0]) {
		return h.items[0], true
	}
	// frontier is a small min-heap of indices into h.items.
	frontier := make([]int, 0, 8)
	lessIdx := func(a, b int) bool { return h.less(h.items[frontier[a]], h.items[frontier[b]]) }
	pushF := func(i int) {
		if i >= len(h.items) {
			return
		}
		frontier = append(frontier, i)
		j := len(frontier) - 1
		for j > 0 {
			p := (j - 1) / 2
			if !lessIdx(j, p) {
				break
			}
			frontier[j], frontier[p] = frontier[p], frontier[j]
			j = p
		}
	}
	popF := func() int {
		top := frontier[0]
		n := len(frontier) - 1
		frontier[0] = frontier[n]
		frontier = frontier[:n]
		j := 0
		for {
			l := 2*j + 1
			if l >= n {
				break
			}
			m := l
			if r := l + 1; r < n && lessIdx(r, l) {
				m = r
			}
			if !lessIdx(m, j) {
				break
			}
			frontier[j], frontier[m] = frontier[m], frontier[j]
			j = m
		}
		return top
	}
	pushF(1)
	pushF(2)
	for len(frontier) > 0 {
		i := popF()
		if ok(h.items[i]) {
			return h.items[i], true
		}
		pushF(2*i + 1)
		pushF(2*i + 2)
	}
	return zero, false
}

func (h *iheap[T]) swap(i, j int) {
	h.items[i], h.items[j] = h.items[j], h.items[i]
	h.setIndex(h.items[i], i)
	h.setIndex(h.items[j], j)
}

func (h *iheap[T]) up(j int) {
	for j > 0 {
		i := (j - 1) / 2
		if !h.less(h.items[j], h.items[i]) {
			break
		}
		h.swap(i, j)
		j = i
	}
}

func (h *iheap[T]) down(i0 int) bool {
	i := i0
	n := len(h.items)
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		j := l
		if r := l + 1; r < n && h.less(h.items[r], h.items[l]) {
			j = r
		}
		if !h.less(h.items[j], h.items[i]) {
			break
		}
		h.swap(i, j)
		i = j
	}
	return i > i0
}
