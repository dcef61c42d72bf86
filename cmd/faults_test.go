package cmd

import (
	"net/http"

	"bsync/pkg/httpfault"
)

func httpfaultRule500() httpfault.Rule {
	return httpfault.Rule{Kind: httpfault.Status, Status: 500, Method: http.MethodPost, PathContains: "/issues", Times: 1}
}
