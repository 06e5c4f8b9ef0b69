// Package bench compares tokenwarden's middleware with a hand-written one and
// with peer libraries. It holds only benchmarks; see README.md.
package bench
