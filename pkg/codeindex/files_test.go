package codeindex

import (
	"strings"
	"testing"
)

func TestSuggestWholeMatchesOnly(t *testing.T) {
	f := NewFiles([]string{"backend/flyer_crawler/worker/tasks.py", "worker/tasks.py", "src/server/app.ts",
		"src/client/util/format.ts", "src/server/util/format.ts", "server.js", "a/b/c.py", "x/a/b/c.py"}, nil)
	cases := []struct{ frame, stack, source, file string }{
		{"/srv/flyer-crawler/flyer_crawler/worker/tasks.py", "/srv/flyer-crawler/", "backend/", "backend/flyer_crawler/worker/tasks.py"},
		{"webpack://flyer/./src/server/app.ts?abc#x", "webpack://flyer/./", "", "src/server/app.ts"},
		{`C:\build\src\server\app.ts`, "C:/build/", "", "src/server/app.ts"},
		{"/srv/x/a/b/c.py", "/srv/", "", "x/a/b/c.py"}, // four segments beat a/b/c.py's three
		{"/srv/y/a/b/c.py", "", "", ""},       // two files end it by three segments
		{"util/format.ts", "", "", ""},        // two files end so: not guessed
		{"app:///dist/server.js", "", "", ""}, // one segment: a file name says nothing
		{"/srv/app/format.ts", "", "", ""},
		{"", "", "", ""},
		{"src/server/app.ts\x00", "", "", ""},
	}
	for _, c := range cases {
		m, file, ok := f.suggest(c.frame)
		if ok != (c.file != "") || file != c.file || m.StackPrefix != c.stack || m.SourcePrefix != c.source {
			t.Errorf("suggest(%q) = %+v, %q, %v; want %q → %q (%q)", c.frame, m, file, ok, c.stack, c.source, c.file)
		}
	}
}

func TestThroughAMappingOnly(t *testing.T) {
	f := NewFiles([]string{"src/client/util/format.ts", "app.ts"}, nil)
	web := Mapping{StackPrefix: "/srv/app/", SourcePrefix: "src/client/"}
	for frame, want := range map[string]string{
		"/srv/app/util/format.ts":   "src/client/util/format.ts",
		"/srv/app/missing.ts":       "", // mapped, not there: nothing, no guess
		"/srv/app/../../etc/passwd": "",
		"/other/util/format.ts":     "",
	} {
		if got := f.Through(frame, web); got != want {
			t.Errorf("Through(%q) = %q, want %q", frame, got, want)
		}
	}
	if got := f.Through(`C:\Srv\App\app.ts`, Mapping{StackPrefix: `c:\srv\app\`}); got != "app.ts" {
		t.Errorf("a Windows prefix as written: %q", got)
	}
}

func TestLibraryPaths(t *testing.T) {
	for _, p := range []string{"/usr/lib/python3.11/logging/__init__.py", "/usr/local/lib/python3.12/asyncio/x.py",
		"/app/.venv/lib/python3.11/site-packages/django/x.py", "/usr/lib/python3/dist-packages/x.py",
		"/srv/app/node_modules/express/index.js", "node:internal/process/task_queues", `C:\app\node_modules\x.js`,
		"/root/.pyenv/versions/3.11.4/lib/python3.11/json/x.py"} {
		if !IsLibraryPath(p) {
			t.Errorf("%q is not taken for a library", p)
		}
	}
	for _, p := range []string{"/srv/app/flyer_crawler/x.py", "webpack:///./src/index.js", "/srv/app/lib/python_helpers/x.py"} {
		if IsLibraryPath(p) {
			t.Errorf("%q is taken for a library", p)
		}
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
	f := NewFiles([]string{"ok.ts", "a/../b.ts", "bad\u202e.ts", "/abs.ts", "x//y.ts"}, nil)
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
		"app@1.4.2+b7":        "app@1.4.2+b7 1.4.2+b7 v1.4.2+b7 app@1.4.2 1.4.2 v1.4.2",
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
