// Package suggest finds the known name a mistyped one was meant to be, for the
// "did you mean" of usage errors: unknown commands, flags, presets and spec
// keys. It is off the data path: only error messages use it.
package suggest

import "strings"

// Closest returns the candidate nearest to word, or "" when none is near
// enough to be a typo of it. Case, '_' and '-' are ignored first
// (sg_coco → sg-coco); otherwise the optimal string alignment distance (edits,
// swaps of neighbours counting one) must be at most a third of the longer
// name, and at least 1 — or one name must start with the other, of 3
// characters at least (confidence → conf) — and the nearest candidate must be
// unique.
func Closest(word string, candidates []string) string {
	norm := func(s string) string { return strings.ReplaceAll(strings.ToLower(s), "_", "-") }
	w := norm(word)
	best, bestD, tie := "", -1, false
	for _, c := range candidates {
		if c == word {
			continue
		}
		nc := norm(c)
		d := distance(w, nc)
		limit := max(1, max(len(w), len(c))/3)
		if d > limit && min(len(w), len(nc)) >= 3 && (strings.HasPrefix(w, nc) || strings.HasPrefix(nc, w)) {
			d = limit // a prefix, the farthest acceptable: --confidence for --conf
		}
		if d > limit {
			continue
		}
		switch {
		case bestD < 0 || d < bestD:
			best, bestD, tie = c, d, false
		case d == bestD && c != best:
			tie = true
		}
	}
	if tie {
		return ""
	}
	return best
}

// DidYouMean is "; did you mean PREFIX+NAME?" for the Closest candidate, or "".
func DidYouMean(word, prefix string, candidates []string) string {
	if c := Closest(word, candidates); c != "" {
		return "; did you mean " + prefix + c + "?"
	}
	return ""
}

// distance is the optimal string alignment distance between a and b, in bytes.
func distance(a, b string) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
