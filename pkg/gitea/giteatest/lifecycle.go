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

// EditIssueBody replaces an issue's body as a person in the UI would (the
// content version moves on, so an edit based on the older body is refused).
func (s *Server) EditIssueBody(number int, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if is := s.issue(number); is != nil {
		is.Body = body
		is.ContentVersion++
		is.UpdatedAt = s.now()
	}
}

// CloseIssueAt closes an issue as a person would, at time at.
func (s *Server) CloseIssueAt(number int, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if is := s.issue(number); is != nil && is.State != "closed" {
		at = at.UTC()
		is.State, is.ClosedAt, is.UpdatedAt = "closed", &at, at
		s.notify()
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
