package memstore

import "sort"

// keyTree is the ordered set of one namespace's keys: a B-tree of strings in byte order, so that
// adding or removing a key costs O(log n) wherever it lands (the audit index's rows land in the
// middle of their namespace, which made a sorted slice O(n) per write).
//
// Every node but the root holds between minKeys and maxKeys keys; an internal node with k keys
// has k+1 children, and every key of children[i] sorts between keys[i-1] and keys[i]. Insertion
// splits full nodes on the way down; deletion removes from a leaf (an internal key is replaced by
// its predecessor) and repairs underfull children on the way back up by borrowing from a sibling
// or merging with one. The tree is not safe for concurrent use: the Store's locks guard it.
type keyTree struct {
	root *node
	n    int
}

// degree is the B-tree's minimum degree.
const (
	degree  = 32
	maxKeys = 2*degree - 1
	minKeys = degree - 1
)

type node struct {
	keys     []string
	children []*node // nil for a leaf
}

func (n *node) leaf() bool { return n.children == nil }

// find returns the index of the first key ≥ k and whether it equals k.
func (n *node) find(k string) (int, bool) {
	i := sort.SearchStrings(n.keys, k)
	return i, i < len(n.keys) && n.keys[i] == k
}

// Len returns the number of keys.
func (t *keyTree) Len() int { return t.n }

// Insert adds k; it reports whether k was new.
func (t *keyTree) Insert(k string) bool {
	if t.root == nil {
		t.root = &node{keys: make([]string, 0, 4)}
	}
	if len(t.root.keys) == maxKeys {
		old := t.root
		t.root = &node{children: []*node{old}}
		t.root.split(0)
	}
	if !t.root.insert(k) {
		return false
	}
	t.n++
	return true
}

// split divides the full child i around its median key, which moves up into n.
func (n *node) split(i int) {
	c := n.children[i]
	mid := c.keys[degree-1]
	right := &node{keys: append(make([]string, 0, maxKeys), c.keys[degree:]...)}
	if !c.leaf() {
		right.children = append(make([]*node, 0, maxKeys+1), c.children[degree:]...)
		clear(c.children[degree:])
		c.children = c.children[:degree]
	}
	clear(c.keys[degree-1:])
	c.keys = c.keys[:degree-1]
	n.keys = insertAt(n.keys, i, mid)
	n.children = insertAt(n.children, i+1, right)
}

// insert adds k below n, which is not full.
func (n *node) insert(k string) bool {
	for {
		i, found := n.find(k)
		if found {
			return false
		}
		if n.leaf() {
			n.keys = insertAt(n.keys, i, k)
			return true
		}
		if len(n.children[i].keys) == maxKeys {
			n.split(i)
			switch {
			case k == n.keys[i]:
				return false
			case k > n.keys[i]:
				i++
			}
		}
		n = n.children[i]
	}
}

// Delete removes k; it reports whether k was present.
func (t *keyTree) Delete(k string) bool {
	if t.root == nil || !t.root.remove(k) {
		return false
	}
	t.n--
	if len(t.root.keys) == 0 {
		if t.root.leaf() {
			t.root = nil
		} else {
			t.root = t.root.children[0]
		}
	}
	return true
}

// remove deletes k from the subtree at n; children it descends into may be left underfull and
// are repaired by the caller's fix.
func (n *node) remove(k string) bool {
	i, found := n.find(k)
	if n.leaf() {
		if found {
			n.keys = deleteAt(n.keys, i)
		}
		return found
	}
	if found {
		n.keys[i] = n.children[i].removeMax()
	} else if !n.children[i].remove(k) {
		return false
	}
	n.fix(i)
	return true
}

// removeMax deletes and returns the greatest key of the subtree at n.
func (n *node) removeMax() string {
	if n.leaf() {
		k := n.keys[len(n.keys)-1]
		n.keys[len(n.keys)-1] = ""
		n.keys = n.keys[:len(n.keys)-1]
		return k
	}
	i := len(n.children) - 1
	k := n.children[i].removeMax()
	n.fix(i)
	return k
}

// fix restores child i to at least minKeys keys: it borrows through n from a sibling that can
// spare one, or merges with a sibling.
func (n *node) fix(i int) {
	c := n.children[i]
	if len(c.keys) >= minKeys {
		return
	}
	switch {
	case i > 0 && len(n.children[i-1].keys) > minKeys:
		l := n.children[i-1]
		c.keys = insertAt(c.keys, 0, n.keys[i-1])
		n.keys[i-1] = l.keys[len(l.keys)-1]
		l.keys[len(l.keys)-1] = ""
		l.keys = l.keys[:len(l.keys)-1]
		if !c.leaf() {
			c.children = insertAt(c.children, 0, l.children[len(l.children)-1])
			l.children[len(l.children)-1] = nil
			l.children = l.children[:len(l.children)-1]
		}
	case i < len(n.children)-1 && len(n.children[i+1].keys) > minKeys:
		r := n.children[i+1]
		c.keys = append(c.keys, n.keys[i])
		n.keys[i] = r.keys[0]
		r.keys = deleteAt(r.keys, 0)
		if !c.leaf() {
			c.children = append(c.children, r.children[0])
			r.children = deleteAt(r.children, 0)
		}
	default:
		if i == len(n.children)-1 {
			i-- // merge with the left sibling instead
		}
		l, r := n.children[i], n.children[i+1]
		l.keys = append(append(l.keys, n.keys[i]), r.keys...)
		if !l.leaf() {
			l.children = append(l.children, r.children...)
		}
		n.keys = deleteAt(n.keys, i)
		n.children = deleteAt(n.children, i+1)
	}
}

// Ascend calls fn with every key ≥ from in order until fn returns false.
func (t *keyTree) Ascend(from string, fn func(string) bool) {
	if t.root != nil {
		t.root.ascend(from, fn)
	}
}

func (n *node) ascend(from string, fn func(string) bool) bool {
	i, _ := n.find(from)
	if n.leaf() {
		for _, k := range n.keys[i:] {
			if !fn(k) {
				return false
			}
		}
		return true
	}
	if !n.children[i].ascend(from, fn) {
		return false
	}
	for j := i; j < len(n.keys); j++ {
		if !fn(n.keys[j]) || !n.children[j+1].ascend(from, fn) {
			return false
		}
	}
	return true
}

func insertAt[T any](s []T, i int, v T) []T {
	var zero T
	s = append(s, zero)
	copy(s[i+1:], s[i:])
	s[i] = v
	return s
}

func deleteAt[T any](s []T, i int) []T {
	copy(s[i:], s[i+1:])
	var zero T
	s[len(s)-1] = zero
	return s[:len(s)-1]
}
