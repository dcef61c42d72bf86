package gitea

import "time"

// Label is a repository label. Gitea answers colours without the '#'.
type Label struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	Color       string `json:"color"`
	Description string `json:"description"`
	Exclusive   bool   `json:"exclusive"`
}

// Issue is the part of a Gitea issue bsync reads.
type Issue struct {
	ID        int64      `json:"id"`
	Number    int        `json:"number"`
	Title     string     `json:"title"`
	Body      string     `json:"body"`
	State     string     `json:"state"`
	HTMLURL   string     `json:"html_url"`
	Labels    []Label    `json:"labels"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
	ClosedAt  *time.Time `json:"closed_at"`
	Assignees []User     `json:"assignees"`
}

// CreateIssueOption is the body of POST /repos/{owner}/{repo}/issues.
// Labels are ids: Gitea rejects names here.
type CreateIssueOption struct {
	Title  string  `json:"title"`
	Body   string  `json:"body"`
	Labels []int64 `json:"labels"`
	// Assignees are user logins; Gitea refuses the whole create (422) for
	// an unknown login or one without access to the repository.
	Assignees []string `json:"assignees,omitempty"`
}

// Comment is an issue comment.
type Comment struct {
	ID      int64  `json:"id"`
	HTMLURL string `json:"html_url"`
	Body    string `json:"body"`
}

// Repository is the part of GET /repos/{owner}/{repo} bsync reads.
type Repository struct {
	ID            int64  `json:"id"`
	FullName      string `json:"full_name"`
	HasIssues     bool   `json:"has_issues"`
	Archived      bool   `json:"archived"`
	HTMLURL       string `json:"html_url"`
	Permissions   *Perms `json:"permissions"`
	OpenIssues    int    `json:"open_issues_count"`
	DefaultBranch string `json:"default_branch"`
}

// Perms is the token user's access to a repository.
type Perms struct {
	Admin bool `json:"admin"`
	Push  bool `json:"push"`
	Pull  bool `json:"pull"`
}
