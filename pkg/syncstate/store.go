// Package syncstate is bsync's Redis store: the mapping from Bugsink issues
// to Gitea issues, the run lock and the run records. It stores; it decides
// nothing.
package syncstate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultDB is the Redis database bsync uses unless the URL names another.
const DefaultDB = 15

// Store is the Redis-backed sync state. It is safe for concurrent use.
type Store struct {
	rdb  *redis.Client
	db   int
	trip *tripCounter
	now  func() time.Time
}

// Option changes how Open or NewWithClient sets a store up.
type Option func(*Store)

// WithClock makes the store read the time from now (tests), not time.Now.
func WithClock(now func() time.Time) Option { return func(s *Store) { s.now = now } }

// tripCounter counts round trips to Redis (a pipeline or transaction is one).
type tripCounter struct{ n atomic.Int64 }

func (c *tripCounter) DialHook(next redis.DialHook) redis.DialHook { return next }
func (c *tripCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error { c.n.Add(1); return next(ctx, cmd) }
}
func (c *tripCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error { c.n.Add(1); return next(ctx, cmds) }
}

// RoundTrips returns how many round trips this store made to Redis.
func (s *Store) RoundTrips() int64 { return s.trip.n.Load() }

// Open parses a Redis URL (redis://, rediss:// or unix://) and returns a
// store on it. The database is 15 unless the URL names one (a path such as
// /3, or ?db=3). It makes no network call.
func Open(rawURL string, opts ...Option) (*Store, error) {
	ro, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	return NewWithClient(redis.NewClient(ro), opts...), nil
}

// ParseURL turns a Redis URL into client options with bsync's defaults
// (db 15, short timeouts). Errors never repeat the URL, which can carry a
// password.
func ParseURL(rawURL string) (*redis.Options, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, errors.New("REDIS_URL is not a valid URL")
	}
	opts, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("REDIS_URL is not a usable Redis URL (want redis://[user:password@]host:port[/db]): %s", redactedReason(err, u))
	}
	namesDB := strings.Trim(u.Path, "/") != "" && u.Scheme != "unix"
	if u.Query().Get("db") != "" {
		namesDB = true
	}
	if !namesDB {
		opts.DB = DefaultDB
	}
	opts.DialTimeout = 3 * time.Second
	opts.ReadTimeout = 5 * time.Second
	opts.WriteTimeout = 5 * time.Second
	// Fail fast when Redis is down: a refused connection is not retried
	// for seconds (go-redis would dial 5 times per attempt).
	opts.MaxRetries = 1
	opts.DialerRetries = 1
	opts.DialerRetryTimeout = 50 * time.Millisecond
	opts.ClientName = "bsync"
	// Each new connection of the pool costs its handshake in round trips:
	// RESP2 needs no CLIENT MAINT_NOTIFICATIONS, and without the library's
	// CLIENT SETINFO pipeline it is HELLO plus SELECT and CLIENT SETNAME
	// (two round trips, not four). bsync uses nothing of RESP3.
	opts.Protocol = 2
	opts.DisableIdentity = true
	return opts, nil
}

func redactedReason(err error, u *url.URL) string {
	msg := err.Error()
	if u.User != nil {
		if p, ok := u.User.Password(); ok && p != "" {
			msg = strings.ReplaceAll(msg, p, "<redacted>")
		}
	}
	return msg
}

// NewWithClient wraps an existing go-redis client (tests, tools).
func NewWithClient(rdb *redis.Client, opts ...Option) *Store {
	tc := &tripCounter{}
	rdb.AddHook(tc)
	s := &Store{rdb: rdb, db: rdb.Options().DB, trip: tc, now: time.Now}
	for _, o := range opts {
		o(s)
	}
	return s
}

// DB returns the Redis database number in use.
func (s *Store) DB() int { return s.db }

// Close releases the connection pool.
func (s *Store) Close() error { return s.rdb.Close() }

// Ping checks that Redis answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redis ping: %w", err)
	}
	return nil
}

// Entry is one looked-up mapping: the record, or the reason it could not be
// read. A key that exists but cannot be read still means "already synced".
type Entry struct {
	ID     string // the Bugsink issue id
	Record *Record
	Err    error
}

// Mapped reports whether a mapping key exists (readable or not).
func (e Entry) Mapped() bool { return e.Record != nil || e.Err != nil }

// lookup reads the mappings of many Bugsink issues in one round trip
// (MGET). Issues without a mapping are absent from the result.
func (s *Store) lookup(ctx context.Context, issueIDs []string) (map[string]Entry, error) {
	states, err := s.LookupState(ctx, issueIDs)
	if err != nil {
		return nil, err
	}
	out := make(map[string]Entry, len(states))
	for id, st := range states {
		if st.Entry.Mapped() {
			out[id] = st.Entry
		}
	}
	return out, nil
}

// IssueState is what the store knows of one Bugsink issue: its mapping
// and any reservation left behind by an interrupted run.
type IssueState struct {
	Entry   Entry
	Pending *Reservation
}

// LookupState reads mappings and reservations of many Bugsink issues in one
// round trip (one MGET). Issues with neither are absent from the result.
func (s *Store) LookupState(ctx context.Context, issueIDs []string) (map[string]IssueState, error) {
	out := make(map[string]IssueState, len(issueIDs))
	if len(issueIDs) == 0 {
		return out, nil
	}
	keys := make([]string, 0, 2*len(issueIDs))
	for _, id := range issueIDs {
		keys = append(keys, MappingKey(id))
	}
	for _, id := range issueIDs {
		keys = append(keys, PendingKey(id))
	}
	vals, err := s.rdb.MGet(ctx, keys...).Result()
	if err != nil {
		return nil, fmt.Errorf("redis look up %d issues: %w", len(issueIDs), err)
	}
	n := len(issueIDs)
	for i, id := range issueIDs {
		var st IssueState
		if str, ok := vals[i].(string); ok {
			st.Entry = decodeEntry(id, str)
		}
		if str, ok := vals[n+i].(string); ok {
			var r Reservation
			_ = json.Unmarshal([]byte(str), &r)
			r.raw = str
			st.Pending = &r
		}
		if st.Entry.Mapped() || st.Pending != nil {
			out[id] = st
		}
	}
	return out, nil
}

func decodeEntry(id, v string) Entry {
	var r Record
	if err := json.Unmarshal([]byte(v), &r); err != nil {
		return Entry{ID: id, Err: err}
	}
	return Entry{ID: id, Record: &r}
}

// getKey reads one key: ok is false when it does not exist; an error is
// Redis's, wrapped with what was read.
func (s *Store) getKey(ctx context.Context, key, what string) (v string, ok bool, err error) {
	v, err = s.rdb.Get(ctx, key).Result()
	if errors.Is(err, redis.Nil) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("redis read %s: %w", what, err)
	}
	return v, true, nil
}

// errUnreadable marks a value that exists but does not decode.
var errUnreadable = errors.New("unreadable")

// getJSON reads one key holding JSON into a new T: nil when the key does
// not exist, an error when Redis fails or the value does not decode.
func getJSON[T any](ctx context.Context, s *Store, key, what string) (*T, error) {
	v, ok, err := s.getKey(ctx, key, what)
	if err != nil || !ok {
		return nil, err
	}
	var out T
	if err := json.Unmarshal([]byte(v), &out); err != nil {
		return nil, fmt.Errorf("%s is %w: %v", what, errUnreadable, err)
	}
	return &out, nil
}

// Get reads one mapping; ok is false when there is none. A record that does
// not decode is an entry with Err set (the issue is still mapped).
func (s *Store) Get(ctx context.Context, issueID string) (Entry, bool, error) {
	v, ok, err := s.getKey(ctx, MappingKey(issueID), "mapping "+issueID)
	if err != nil || !ok {
		return Entry{}, false, err
	}
	return decodeEntry(issueID, v), true, nil
}

// Put writes (or overwrites) one mapping. Mappings never expire.
func (s *Store) Put(ctx context.Context, issueID string, r Record) error {
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode mapping %s: %w", issueID, err)
	}
	if err := s.rdb.Set(ctx, MappingKey(issueID), b, 0).Err(); err != nil {
		return fmt.Errorf("redis write mapping %s: %w", issueID, err)
	}
	return nil
}

// deleteScript deletes mapping keys and keeps the count cache in step, in
// one atomic step; it returns 1/0 per key for deleted/absent.
var deleteScript = redis.NewScript(`
local out = {}
local n = 0
for i, k in ipairs(KEYS) do
  if i > 1 then
    local d = redis.call("DEL", k)
    out[#out+1] = d
    n = n + d
  end
end
if n > 0 and redis.call("HEXISTS", KEYS[1], "dbsize") == 1 then
  redis.call("HINCRBY", KEYS[1], "count", -n)
  redis.call("HINCRBY", KEYS[1], "dbsize", -n)
end
return out`)

// Delete removes mappings and reports which of them existed.
func (s *Store) Delete(ctx context.Context, issueIDs []string) (deleted []string, err error) {
	keys := make([]string, 0, len(issueIDs)+1)
	keys = append(keys, CountKey)
	for _, id := range issueIDs {
		keys = append(keys, MappingKey(id))
	}
	res, err := deleteScript.Run(ctx, s.rdb, keys).Int64Slice()
	if err != nil {
		return nil, fmt.Errorf("redis delete %d mappings: %w", len(issueIDs), err)
	}
	for i, d := range res {
		if d > 0 {
			deleted = append(deleted, issueIDs[i])
		}
	}
	return deleted, nil
}

// quietLogger swallows go-redis's own log lines (pool dial retries and the
// like): failures reach the caller as errors, and the command logs them.
type quietLogger struct{}

func (quietLogger) Printf(context.Context, string, ...any) {}

// SilenceDriverLogs stops go-redis from printing to stderr by itself. The
// driver's logger is process-wide, so the command calls this once.
func SilenceDriverLogs() { redis.SetLogger(quietLogger{}) }
