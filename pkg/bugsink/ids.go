package bugsink

import (
	"fmt"
	"iter"
	"regexp"
)

// reIssueID is how Bugsink renders an issue id (DRF's UUIDField: lowercase,
// hyphenated). bsync keys its state by it, so no other spelling is taken.
var reIssueID = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// ValidIssueID reports whether id is a lowercase hyphenated UUID.
func ValidIssueID(id string) bool { return reIssueID.MatchString(id) }

// checkIDs sets IDErr on every listed issue whose id is not a UUID, as the
// listing is decoded, so every consumer sees the same verdict.
func checkIDs(seq iter.Seq2[[]Issue, error]) iter.Seq2[[]Issue, error] {
	return func(yield func([]Issue, error) bool) {
		for rows, err := range seq {
			for i := range rows {
				if !ValidIssueID(rows[i].ID) {
					rows[i].IDErr = fmt.Errorf("bugsink listed an issue id that is not a lowercase UUID: %q", rows[i].ID)
				}
			}
			if !yield(rows, err) {
				return
			}
		}
	}
}
