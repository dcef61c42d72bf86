package codeindex

import (
	"strings"
	"testing"
)

func TestFindLongestSuffix(t *testing.T) {
	f := NewFiles([]string{"src/server/app.ts", "src/server/util/format.ts", "src/client/util/format.ts",
		"lib/index.js", "index.js", "a/b/c.py", "x/a/b/c.py"})
	cases := []struct {
		frame string
		want  string
		m     Match
	}{
		{"/srv/app/src/server/app.ts", "src/server/app.ts", Found},                // the repo path ends the frame's
		{"webpack://flyer/./src/server/app.ts?abc#x", "src/server/app.ts", Found}, // scheme, host, query cut
		{"app:///src/server/app.ts", "src/server/app.ts", Found},
		{`C:\build\src\server\app.ts`, "src/server/app.ts", Found},
		{"../../server/app.ts", "src/server/app.ts", Found}, // the frame's path ends the repo's
		{"util/format.ts", "", Ambiguous},                   // two files end so: not guessed
		{"/srv/app/src/client/util/format.ts", "src/client/util/format.ts", Found},
		{"/srv/lib/index.js", "lib/index.js", Found}, // longer beats the root index.js
		{"/other/index.js", "index.js", Found},
		{"/srv/x/a/b/c.py", "x/a/b/c.py", Found},
		{"/srv/y/a/b/c.py", "a/b/c.py", Found},
		{"b/c.py", "", Ambiguous},
		{"nothing.go", "", NotFound},
		{"", "", NotFound},
		{"https://cdn.example.com/", "", NotFound},
		{"src/server/app.ts\x00", "", NotFound},
		{"/srv/app/format.ts", "", NotFound}, // a file name alone, under another directory
	}
	for _, c := range cases {
		got, m := f.Find(c.frame, nil)
		if got != c.want || m != c.m {
			t.Errorf("Find(%q) = %q, %d; want %q, %d", c.frame, got, m, c.want, c.m)
		}
	}
}

func TestFindExplicitMappingDecides(t *testing.T) {
	f := NewFiles([]string{"src/server/util/format.ts", "src/client/util/format.ts", "app.ts", "src/app.ts"})
	maps, err := ParseMappings("web:/srv/app/=src/client/; web:/srv/app/server/=src/server/;api:/x/=./")
	if err != nil {
		t.Fatal(err)
	}
	web := maps[:2]
	for frame, want := range map[string]string{
		"/srv/app/util/format.ts":        "src/client/util/format.ts", // ambiguous alone: the mapping decides
		"/srv/app/server/util/format.ts": "src/server/util/format.ts", // the longest stack prefix wins
		"/srv/app/missing.ts":            "",                          // mapped, not there: nothing, no guess
		"/srv/app/../../etc/passwd":      "",
	} {
		if got, _ := f.Find(frame, web); got != want {
			t.Errorf("Find(%q) = %q, want %q", frame, got, want)
		}
	}
	if got, _ := f.Find("/x/app.ts", maps[2:]); got != "app.ts" {
		t.Errorf("a mapping to the root: %q", got)
	}
}

func TestParseMappingsRefusesMalformed(t *testing.T) {
	for _, bad := range []string{"noslug", "web:/a", "Web:/a=b", "web:=src/", "web:/a=../b"} {
		if _, err := ParseMappings(bad); err == nil {
			t.Errorf("ParseMappings(%q) accepted", bad)
		}
	}
	m, err := ParseMappings(" ; web:/a=b=c/ ;")
	if err != nil || len(m) != 1 || m[0].StackPrefix != "/a=b" || m[0].SourcePrefix != "c/" {
		t.Errorf("the last '=' splits: %+v, %v", m, err)
	}
}

func TestHostileRepoPathsAreNotIndexed(t *testing.T) {
	f := NewFiles([]string{"ok.ts", "a/../b.ts", "bad\u202e.ts", "/abs.ts", "x//y.ts"})
	if f.Len() != 1 {
		t.Errorf("%d files indexed, want only ok.ts", f.Len())
	}
}

func TestFileURLEscapesEverythingALinkCouldEndOn(t *testing.T) {
	r := Ref{Kind: Tag, Name: "v1 (x)/y", SHA: "abc"}
	u := r.FileURL("https://git.example.com/acme/app/", "src/a b)(<x>.ts", 12)
	if strings.ContainsAny(u, " ()<>[]\"'`") {
		t.Errorf("URL %q has a character that can end a Markdown link", u)
	}
	if want := "https://git.example.com/acme/app/src/tag/v1%20%28x%29/y/src/a%20b%29%28%3Cx%3E.ts#L12"; u != want {
		t.Errorf("URL %q, want %q", u, want)
	}
	b := Ref{Kind: Branch, Name: "main", SHA: "0123456789abcdef0123456789abcdef01234567"}
	if got := b.FileURL("http://g/o/r", "a.ts", 0); got != "http://g/o/r/src/commit/0123456789abcdef0123456789abcdef01234567/a.ts" {
		t.Errorf("a default-branch link is at the commit it pointed to: %q", got)
	}
}

func TestReleaseCandidates(t *testing.T) {
	for rel, want := range map[string]string{
		"flyer-crawler@1.4.2": "flyer-crawler@1.4.2 1.4.2 v1.4.2",
		"v2.0.0":              "v2.0.0 2.0.0",
		"@scope/pkg@v3":       "@scope/pkg@v3 v3 3",
		"release-3":           "release-3",
		"":                    "",
		"1.0@":                "1.0@ v1.0@",
	} {
		if got := strings.Join(releaseCandidates(rel), " "); got != want {
			t.Errorf("releaseCandidates(%q) = %q, want %q", rel, got, want)
		}
	}
	if c := commitCandidate("app@A2C9B97"); c != "a2c9b97" {
		t.Errorf("commitCandidate = %q", c)
	}
	if c := commitCandidate("1.4.2"); c != "" {
		t.Errorf("a version is no commit: %q", c)
	}
}
