package cmd

import (
	"net/http"

	"bsync/pkg/bugsink/bugsinktest"
	"bsync/pkg/httpfault"
)

func httpfaultRule500() httpfault.Rule {
	return httpfault.Rule{Kind: httpfault.Status, Status: 500, Method: http.MethodPost, PathContains: "/issues", Times: 1}
}

func bugsinktestSpec() bugsinktest.IssueSpec { return bugsinktest.IssueSpec{Type: "E", Value: "new"} }
