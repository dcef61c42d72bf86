package syncstate

import (
	"context"
	"fmt"
	"iter"
	"strings"
)

// scanBatch is the COUNT hint of one SCAN step.
const scanBatch = 5000

// mgetBatch is how many records one MGET reads while streaming.
const mgetBatch = 500

// CountMappings counts the mapping keys, whoever wrote them.
func (s *Store) CountMappings(ctx context.Context) (int, error) {
	n := 0
	iter := s.rdb.Scan(ctx, 0, MappingPrefix+"*", scanBatch).Iterator()
	for iter.Next(ctx) {
		n++
	}
	if err := iter.Err(); err != nil {
		return 0, fmt.Errorf("redis count mappings: %w", err)
	}
	return n, nil
}

// Mappings streams every mapping in Redis's SCAN order, reading records in
// batches of mgetBatch, so memory does not grow with their number (neither
// ids nor records are collected). A mapping deleted between the scan and the
// read is skipped; SCAN may return a key twice while Redis resizes its
// table. A failure is yielded once as an error, and the sequence ends.
func (s *Store) Mappings(ctx context.Context) iter.Seq2[Entry, error] {
	return func(yield func(Entry, error) bool) {
		it := s.rdb.Scan(ctx, 0, MappingPrefix+"*", mgetBatch).Iterator()
		batch := make([]string, 0, mgetBatch)
		flush := func() bool {
			found, err := s.lookup(ctx, batch)
			if err != nil {
				yield(Entry{}, err)
				return false
			}
			for _, id := range batch {
				if e, ok := found[id]; ok && !yield(e, nil) {
					return false
				}
			}
			batch = batch[:0]
			return true
		}
		for it.Next(ctx) {
			batch = append(batch, strings.TrimPrefix(it.Val(), MappingPrefix))
			if len(batch) == mgetBatch && !flush() {
				return
			}
		}
		if err := it.Err(); err != nil {
			yield(Entry{}, fmt.Errorf("redis scan mappings: %w", err))
			return
		}
		if len(batch) > 0 {
			flush()
		}
	}
}
