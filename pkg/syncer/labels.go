package syncer

import (
	"strings"

	"bsync/pkg/envlink"
	"bsync/pkg/gitea"
)

// SourceLabel is carried by every issue bsync creates.
const SourceLabel = "source:bugsink"

// DefaultProjectLabels is the project table of the original deployment
// (DESIGN.md): slug → labels, before SourceLabel.
var DefaultProjectLabels = map[string][]string{
	"flyer-crawler-backend":             {"bug:backend", "env:production"},
	"flyer-crawler-backend-test":        {"bug:backend", "env:test"},
	"flyer-crawler-frontend":            {"bug:frontend", "env:production"},
	"flyer-crawler-frontend-test":       {"bug:frontend", "env:test"},
	"flyer-crawler-infrastructure":      {"bug:infrastructure", "env:production"},
	"flyer-crawler-test-infrastructure": {"bug:infrastructure", "env:test"},
}

// LabelColors are the colours labels are created with when missing.
var LabelColors = map[string]string{
	"bug:frontend":       "#e11d48",
	"bug:backend":        "#ea580c",
	"bug:infrastructure": "#7c3aed",
	"env:production":     "#dc2626",
	"env:test":           "#2563eb",
	"env:development":    "#6b7280",
	"env:staging":        "#d97706",
	"env:qa":             "#0891b2",
	"env:uat":            "#4f46e5",
	SourceLabel:          "#10b981",
}

// fallbackColor is used for configured labels outside the table.
const fallbackColor = "#6b7280"

// LabelsForSlug derives labels from a project slug with no explicit entry:
// a frontend / backend / infra word gives bug:*; the environment word
// (envlink.ParseSlug: test, staging, dev, qa, uat, prod and their long
// forms) names env:*, and a slug without one is env:production.
func LabelsForSlug(slug string) []string {
	words := strings.FieldsFunc(strings.ToLower(slug), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
	})
	has := func(ws ...string) bool {
		for _, w := range words {
			for _, x := range ws {
				if w == x {
					return true
				}
			}
		}
		return false
	}
	var out []string
	switch {
	case has("frontend"):
		out = append(out, "bug:frontend")
	case has("backend"):
		out = append(out, "bug:backend")
	case has("infrastructure", "infra"):
		out = append(out, "bug:infrastructure")
	}
	return append(out, envlink.EnvPrefix+envlink.ParseSlug(slug).Env)
}

// labelSpecs returns the label specs for names, with table colours.
func labelSpecs(names []string) []gitea.LabelSpec {
	out := make([]gitea.LabelSpec, 0, len(names))
	for _, n := range names {
		c, ok := LabelColors[n]
		if !ok {
			c = fallbackColor
		}
		out = append(out, gitea.LabelSpec{Name: n, Color: c, Description: "Created by bsync"})
	}
	return out
}
