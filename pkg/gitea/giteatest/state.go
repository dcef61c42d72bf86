package giteatest

import (
	"slices"
	"strings"
)

// AddLabel seeds a label (colour with or without '#') and returns its id.
func (s *Server) AddLabel(name, color string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := &Label{ID: s.nextLabelID, Name: name, Color: "#" + strings.TrimPrefix(color, "#")}
	s.nextLabelID++
	s.labels = append(s.labels, l)
	return l.ID
}

// Labels returns a copy of every label.
func (s *Server) Labels() []Label {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Label, len(s.labels))
	for i, l := range s.labels {
		out[i] = *l
	}
	return out
}

// Issues returns a copy of every issue in number order.
func (s *Server) Issues() []Issue {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Issue, len(s.issues))
	for i, is := range s.issues {
		out[i] = *is
		out[i].LabelIDs = append([]int64(nil), is.LabelIDs...)
	}
	return out
}

// LabelNames returns the names of an issue's labels.
func (s *Server) LabelNames(number int) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	is := s.issue(number)
	if is == nil {
		return nil
	}
	var names []string
	for _, id := range is.LabelIDs {
		if l := s.label(id); l != nil {
			names = append(names, l.Name)
		}
	}
	return names
}

// Comments returns the comments of an issue.
func (s *Server) Comments(number int) []Comment {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Comment(nil), s.comments[number]...)
}

// SetIssueState opens or closes an issue, as a person in the UI would
// (PersonLogin on the timeline). Closing a closed issue again moves its
// closed_at to now and writes no entry.
func (s *Server) SetIssueState(number int, state string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if is := s.issue(number); is != nil {
		if !s.setState(is, state, s.now(), PersonLogin) && state == "closed" {
			now := s.now()
			is.ClosedAt = &now
		}
	}
}

// AddIssueLabel attaches an existing label to an issue, as a person would.
func (s *Server) AddIssueLabel(number int, labelID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if is := s.issue(number); is != nil && !slices.Contains(is.LabelIDs, labelID) {
		is.LabelIDs = append(is.LabelIDs, labelID)
	}
}
