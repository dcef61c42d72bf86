package giteatest

import "time"

// Which writes notify a repository's watchers, as Gitea decides it: the
// UI notifier (services/uinotification/notify.go) and the mailer
// (services/mailer/notify.go) act on NewIssue, CreateIssueComment and
// IssueChangeStatus, and on neither IssueChangeContent (an issue body
// edit, services/issue/content.go) nor UpdateComment (a comment edit,
// services/issue/comments.go), which only reach the indexer, webhooks and
// Actions. Label changes notify no one either. The fake counts the events
// that reach one watcher (a user other than the token's): each is a mail
// and marks the issue unread in the watcher's notifications.

// notify records one event that reaches the watcher. Called with s.mu held.
func (s *Server) notify() { s.notified++ }

// WatcherNotifications returns how many events have reached a watcher of
// the repository: issues created, comments created, issues closed or
// reopened.
func (s *Server) WatcherNotifications() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.notified
}

// EditIssueBody replaces an issue's body as a person in the UI would. An
// edit through the API made later still replaces it: Gitea offers no
// precondition (server.go, editIssue).
func (s *Server) EditIssueBody(number int, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if is := s.issue(number); is != nil {
		is.Body = body
		is.ContentVersion++
		is.UpdatedAt = s.now()
	}
}

// OnIssueRead calls f, with the server's lock held, before each
// GET /issues/{number} is answered, with the issue and how many times it
// has been read (this one included). f may change the issue, as a person's
// edit landing just before that read would.
func (s *Server) OnIssueRead(f func(is *Issue, reads int)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onRead = f
}

// CloseIssueAt closes an issue as a person would (PersonLogin on the
// timeline), at time at.
func (s *Server) CloseIssueAt(number int, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if is := s.issue(number); is != nil && s.setState(is, "closed", at, PersonLogin) {
		is.UpdatedAt = at.UTC()
	}
}

// ClearClosedAt drops a closed issue's close time, as an issue migrated
// without one has: Gitea then answers closed_at null
// (services/convert/issue.go sets it only when closed_unix is not 0).
func (s *Server) ClearClosedAt(number int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if is := s.issue(number); is != nil {
		is.ClosedAt = nil
	}
}

// closedAt answers closed_at as Gitea does: in whole seconds (it stores
// unix seconds), or null.
func closedAt(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC().Format(time.RFC3339)
}

// SetClock sets the time the fake stamps what it writes with (comments,
// closes, timeline entries); nil restores the wall clock.
func (s *Server) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if now == nil {
		now = func() time.Time { return time.Now().UTC() }
	}
	s.now = now
}
