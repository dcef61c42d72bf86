package syncstate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// BugPrefix + bug id → hash: the one Gitea issue of a bug that Bugsink
// sees in several environments (one project each). Fields:
// gitea_issue_number once it exists; claim (JSON BugClaim) naming the
// Bugsink issue whose run is creating it; and m:<issue UUID> →
// environment for each Bugsink issue recorded on it.
const BugPrefix = "bugsink:bug:"

const (
	bugNumberField = "gitea_issue_number"
	bugClaimField  = "claim"
	bugMemberField = "m:"
)

// BugKey returns the key of a bug.
func BugKey(bugID string) string { return BugPrefix + bugID }

// Bug is what the state knows of one bug.
type Bug struct {
	// Number is its Gitea issue (0 while none is recorded).
	Number int
	// Claim names the Bugsink issue whose create is (or was) under way.
	Claim *BugClaim
	// Members maps each recorded Bugsink issue to its environment.
	Members map[string]string
}

// BugClaim says which Bugsink issue is creating a bug's Gitea issue: the
// others of the bug wait for it and link to what it creates.
type BugClaim struct {
	BugsinkIssueID string    `json:"bugsink_issue_id"`
	At             time.Time `json:"at"`
	Run            string    `json:"run"`
}

// Bug reads one bug; ok is false when the state knows nothing of it.
func (s *Store) Bug(ctx context.Context, bugID string) (Bug, bool, error) {
	h, err := s.rdb.HGetAll(ctx, BugKey(bugID)).Result()
	if err != nil {
		return Bug{}, false, fmt.Errorf("redis read bug %s: %w", bugID, err)
	}
	if len(h) == 0 {
		return Bug{}, false, nil
	}
	return decodeBug(bugID, h)
}

// Bugs reads several bugs in one round trip: found[i] says whether
// bugIDs[i] is in the state.
func (s *Store) Bugs(ctx context.Context, bugIDs ...string) (bugs []Bug, found []bool, err error) {
	cmds := make([]*redis.MapStringStringCmd, len(bugIDs))
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range bugIDs {
			cmds[i] = p.HGetAll(ctx, BugKey(id))
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("redis read bugs %s: %w", strings.Join(bugIDs, ", "), err)
	}
	bugs, found = make([]Bug, len(bugIDs)), make([]bool, len(bugIDs))
	for i, c := range cmds {
		if len(c.Val()) == 0 {
			continue
		}
		if bugs[i], found[i], err = decodeBug(bugIDs[i], c.Val()); err != nil {
			return nil, nil, err
		}
	}
	return bugs, found, nil
}

func decodeBug(bugID string, h map[string]string) (Bug, bool, error) {
	b := Bug{Members: map[string]string{}}
	for k, v := range h {
		switch {
		case k == bugNumberField:
			n, err := strconv.Atoi(v)
			if err != nil {
				return Bug{}, false, fmt.Errorf("bug %s: gitea_issue_number %q is %w", bugID, v, errUnreadable)
			}
			b.Number = n
		case k == bugClaimField:
			var c BugClaim
			if err := json.Unmarshal([]byte(v), &c); err != nil {
				return Bug{}, false, fmt.Errorf("bug %s: claim is %w: %v", bugID, errUnreadable, err)
			}
			b.Claim = &c
		case strings.HasPrefix(k, bugMemberField):
			b.Members[strings.TrimPrefix(k, bugMemberField)] = v
		}
	}
	return b, true, nil
}

// claimScript sets a bug's claim unless its Gitea issue is recorded, or
// another claim holds that does not name ARGV[2] (the Bugsink issue whose
// claim the caller found stale, or the claimant itself). A claim that
// does not decode is never overwritten: it may be another run's, and
// reading it then fails as for any unreadable state. 1: claimed.
var claimScript = redis.NewScript(`
if redis.call("HEXISTS", KEYS[1], "gitea_issue_number") == 1 then return 0 end
local cur = redis.call("HGET", KEYS[1], "claim")
if cur then
  local ok, obj = pcall(cjson.decode, cur)
  if not ok or type(obj) ~= "table" or obj.bugsink_issue_id ~= ARGV[2] then return 0 end
end
redis.call("HSET", KEYS[1], "claim", ARGV[1])
return 1`)

// ClaimBug makes c the claim on a bug whose Gitea issue is not recorded
// yet, in one atomic step: when no claim is held, or the one held names
// replacing (a claim found stale, or the claimant's own from an earlier
// run). won is false when someone else holds the claim or the issue is
// recorded, or the claim held cannot be read; then current is what the
// state holds (or the error reading it).
func (s *Store) ClaimBug(ctx context.Context, bugID string, c BugClaim, replacing string) (won bool, current Bug, err error) {
	b, _ := json.Marshal(c)
	n, err := claimScript.Run(ctx, s.rdb, []string{BugKey(bugID)}, string(b), replacing).Int()
	if err != nil {
		return false, Bug{}, fmt.Errorf("redis claim bug %s: %w", bugID, err)
	}
	if n == 1 {
		return true, Bug{}, nil
	}
	current, _, err = s.Bug(ctx, bugID)
	return false, current, err
}

// bugWrites adds, to a transaction writing r, the record's place in its
// bug: the Gitea issue (kept when one is recorded) and the member.
func bugWrites(ctx context.Context, p redis.Pipeliner, issueID string, r Record) {
	if r.BugID == "" {
		return
	}
	key := BugKey(r.BugID)
	p.HSetNX(ctx, key, bugNumberField, r.GiteaIssueNumber)
	p.HSet(ctx, key, bugMemberField+issueID, r.Environment)
}

// ForgetBugMembers takes Bugsink issues out of their bugs (forget): a
// bug left without members is deleted, so its error is filed anew.
func (s *Store) ForgetBugMembers(ctx context.Context, members map[string]string) error {
	for issueID, bugID := range members {
		if bugID == "" {
			continue
		}
		if err := forgetMemberScript.Run(ctx, s.rdb, []string{BugKey(bugID)}, bugMemberField+issueID).Err(); err != nil && !errors.Is(err, redis.Nil) {
			return fmt.Errorf("redis forget %s in bug %s: %w", issueID, bugID, err)
		}
	}
	return nil
}

var forgetMemberScript = redis.NewScript(`
redis.call("HDEL", KEYS[1], ARGV[1])
for _, f in ipairs(redis.call("HKEYS", KEYS[1])) do
  if string.sub(f, 1, 2) == "m:" then return 0 end
end
redis.call("DEL", KEYS[1])
return 1`)

var releaseClaimScript = redis.NewScript(`
local cur = redis.call("HGET", KEYS[1], "claim")
if not cur then return 0 end
local ok, obj = pcall(cjson.decode, cur)
if not ok or type(obj) ~= "table" or obj.bugsink_issue_id ~= ARGV[1] then return 0 end
redis.call("HDEL", KEYS[1], "claim")
if redis.call("HLEN", KEYS[1]) == 0 then redis.call("DEL", KEYS[1]) end
return 1`)

// ReleaseBugClaim drops issueID's claim on a bug (its create certainly
// failed), so another environment's issue of the bug may create it.
func (s *Store) ReleaseBugClaim(ctx context.Context, bugID, issueID string) error {
	if err := releaseClaimScript.Run(ctx, s.rdb, []string{BugKey(bugID)}, issueID).Err(); err != nil {
		return fmt.Errorf("redis release claim on bug %s: %w", bugID, err)
	}
	return nil
}
