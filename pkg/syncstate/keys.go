package syncstate

// Every key bsync writes lives under the "bugsink:" prefix, in db 15 by
// default, so `redis-cli -n 15 KEYS "bugsink:*"` shows all of it.
const (
	// MappingPrefix + Bugsink issue UUID → JSON Record (the compatibility key).
	MappingPrefix = "bugsink:synced:"
	// LockKey holds the owner token of the sync run in progress.
	LockKey = "bugsink:lock:sync"
	// LastRunKey holds the JSON record of the newest finished run.
	LastRunKey = "bugsink:run:last"
	// RunHistoryKey is a list of the newest run records, newest first.
	RunHistoryKey = "bugsink:run:history"
	// RunHistoryLen is how many run records RunHistoryKey keeps.
	RunHistoryLen = 50
)

// MappingKey returns the mapping key of a Bugsink issue.
func MappingKey(issueID string) string { return MappingPrefix + issueID }
