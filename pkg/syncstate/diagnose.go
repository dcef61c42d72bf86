package syncstate

import (
	"context"
	"fmt"
	"strings"
)

// Durability says how safe the state is from loss in this Redis, without
// writing anything.
type Durability struct {
	// Persistent is true when RDB snapshots or the AOF are on.
	Persistent bool
	// EvictionPolicy is maxmemory-policy; "allkeys-*" can evict mappings.
	EvictionPolicy string
	// Unknown is set when CONFIG GET is not allowed (managed Redis).
	Unknown string
}

// Evicts reports whether the policy may drop keys without a TTL (mappings
// have none, so volatile-* policies never touch them).
func (d Durability) Evicts() bool { return strings.HasPrefix(d.EvictionPolicy, "allkeys-") }

// CheckDurability reads the persistence and eviction settings.
func (s *Store) CheckDurability(ctx context.Context) (Durability, error) {
	var d Durability
	cfg, err := s.rdb.ConfigGet(ctx, "*").Result()
	if err != nil {
		d.Unknown = fmt.Sprintf("CONFIG GET is not allowed here (%v)", err)
		return d, nil
	}
	d.Persistent = strings.TrimSpace(cfg["save"]) != "" || cfg["appendonly"] == "yes"
	d.EvictionPolicy = cfg["maxmemory-policy"]
	return d, nil
}
