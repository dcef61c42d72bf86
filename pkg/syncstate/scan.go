package syncstate

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"strings"
)

// scanBatch is the COUNT hint of one SCAN step.
const scanBatch = 5000

// mgetBatch is how many records one MGET reads while streaming.
const mgetBatch = 500

// MappingIDs returns the Bugsink issue ids of every mapping, sorted. It
// holds only the ids, never the records.
func (s *Store) MappingIDs(ctx context.Context) ([]string, error) {
	var ids []string
	iter := s.rdb.Scan(ctx, 0, MappingPrefix+"*", scanBatch).Iterator()
	for iter.Next(ctx) {
		ids = append(ids, strings.TrimPrefix(iter.Val(), MappingPrefix))
	}
	if err := iter.Err(); err != nil {
		return nil, fmt.Errorf("redis scan mappings: %w", err)
	}
	slices.Sort(ids)
	return slices.Compact(ids), nil
}

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

// Mappings streams every mapping in issue-id order, reading records in
// batches so memory does not grow with their number. A mapping deleted
// between the scan and the read is skipped.
func (s *Store) Mappings(ctx context.Context) iter.Seq2[string, Entry] {
	return func(yield func(string, Entry) bool) {
		ids, err := s.MappingIDs(ctx)
		if err != nil {
			yield("", Entry{Err: err})
			return
		}
		for start := 0; start < len(ids); start += mgetBatch {
			batch := ids[start:min(start+mgetBatch, len(ids))]
			found, err := s.Lookup(ctx, batch)
			if err != nil {
				yield("", Entry{Err: err})
				return
			}
			for _, id := range batch {
				e, ok := found[id]
				if !ok {
					continue
				}
				if !yield(id, e) {
					return
				}
			}
		}
	}
}
