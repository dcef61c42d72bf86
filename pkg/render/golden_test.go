package render

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"bsync/pkg/apiclient"
	"bsync/pkg/bugsink"
	"bsync/pkg/bugsink/bugsinktest"
	"bsync/pkg/codeindex"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden from the current renderer")

// recordedSecrets are the secrets the recording scripts put into requests
// and local variables (scripts/record-events); none may reach an issue.
var recordedSecrets = []string{"HEADERSECRET123", "COOKIESECRET123", "BODYSECRET123", "QUERYSECRET123",
	"APIKEYSECRET123", "hunter2-local", "4111111111111111",
	// known by their shape only: a Stripe key among a logged message's
	// arguments, a GitHub token in an exception's value
	"51EXAMPLEdoNotUseFAKEKEY", "EXAMPLEdoNotUseFAKEToken"}

// recorded is one event recorded from a real SDK, with the title fields
// Bugsink's own code derives from it.
type recorded struct {
	name        string
	data        []byte
	typ, value  string
	hasDebugIDs bool
}

func loadRecorded(t testing.TB) []recorded {
	t.Helper()
	files, err := filepath.Glob("testdata/events/*.json")
	if err != nil {
		t.Fatal(err)
	}
	var out []recorded
	for _, f := range files {
		if strings.HasSuffix(f, ".issue.json") {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var is struct {
			Type  string `json:"calculated_type"`
			Value string `json:"calculated_value"`
		}
		raw, err := os.ReadFile(strings.TrimSuffix(f, ".json") + ".issue.json")
		if err == nil {
			err = json.Unmarshal(raw, &is)
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, recorded{name: strings.TrimSuffix(filepath.Base(f), ".json"), data: data,
			typ: is.Type, value: is.Value, hasDebugIDs: strings.Contains(string(data), `"debug_meta"`)})
	}
	if len(out) < 20 {
		t.Fatalf("only %d recorded events", len(out))
	}
	return out
}

// renderThroughFake serves a payload from the fake Bugsink (which renders
// its stacktrace_md as Bugsink does), reads it with the client and renders
// the issue.
func renderThroughFake(t testing.TB, data []byte, typ, value string, opts ...bugsinktest.Option) Output {
	t.Helper()
	srv := bugsinktest.New(opts...)
	defer srv.Close()
	srv.AddProject("shop-frontend", "Shop")
	id := srv.AddIssue("shop-frontend", bugsinktest.IssueSpec{Type: typ, Value: value, FirstSeen: t0, LastSeen: t1, Count: 4, RawData: data})
	c := bugsink.New(srv.URL, bugsinktest.Token, apiclient.Options{Timeout: 5 * time.Second})
	ev, err := c.LatestEvent(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if ev.DataErr != nil {
		t.Fatalf("payload not read whole: %v", ev.DataErr)
	}
	is, _ := srv.Issue(id)
	return Issue(Input{Issue: is, Event: ev, Project: "shop-frontend", Options: Options{BugsinkURL: safetyBase}, Code: goldenCode(ev)})
}

// shopFiles is the repository the golden issues link into: the recording
// scripts at its root and the bundle's original source under src/ (the
// minified bundle is not in it).
var shopFiles = codeindex.NewFiles([]string{"README.md", "record_node.js", "record_python.py", "src/cart.ts"}, nil)

// shopMappings are the code mappings the shop's frames are linked
// through.
var shopMappings = []codeindex.Mapping{{StackPrefix: "/srv/shop/"}, {StackPrefix: "webpack://shop/./"}, {StackPrefix: "/srv/app/"}, {StackPrefix: ""}}

const shopSHA = "5f3c2a1b0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b"

// goldenCode places an event's frames in shopFiles: at tag v1.4.2 for the
// backend's release 1.4.2, else (the frontend's 2.7.0 has no tag) at the
// default branch.
func goldenCode(ev *bugsink.Event) *Code {
	ref := codeindex.Ref{Kind: codeindex.Branch, Name: "main", SHA: shopSHA}
	if strings.HasSuffix(ev.Data.Release, "@1.4.2") {
		ref = codeindex.Ref{Kind: codeindex.Tag, Name: "v1.4.2", SHA: shopSHA}
	}
	return codeIn(ev, shopFiles, ref)
}

// codeIn places an event's frames in files at ref, with the code index's
// own pieces (IsLibraryPath, Through, FileURL, RefURL), in the repository
// at safetyRepo.
func codeIn(ev *bugsink.Event, files *codeindex.Files, ref codeindex.Ref) *Code {
	c := &Code{Repo: "acme/app", Kind: AtBranch, RefName: ref.Name, RefSHA: ref.SHA}
	if ref.Kind == codeindex.Tag {
		c.Kind, c.ReleaseURL = AtTag, ref.RefURL(safetyRepo)
	}
	for _, f := range CodeFrames(ev) {
		l := CodeLink{Function: f.Function}
		for _, p := range f.Paths {
			for _, m := range shopMappings {
				if path := files.Through(p, m); path != "" && !codeindex.IsLibraryPath(p) && l.Path == "" {
					l.Path, l.Line, l.URL = path, f.Line, ref.FileURL(safetyRepo, path, f.Line)
				}
			}
		}
		c.Links = append(c.Links, l)
	}
	return c
}

// TestGoldenRecordedEvents renders every recorded event to an issue title
// and body and compares them with testdata/golden (reviewed by eye once,
// then pinned; rewrite them with -update after an intended change). Events
// that name a source map are rendered twice: with the map missing from
// Bugsink, and with it uploaded.
func TestGoldenRecordedEvents(t *testing.T) {
	for _, rec := range loadRecorded(t) {
		variants := map[string][]bugsinktest.Option{"": nil}
		if rec.hasDebugIDs {
			variants[".mapped"] = []bugsinktest.Option{bugsinktest.WithSourceMap("shop-frontend", bugsinktest.BundleDebugID, bugsinktest.BundleSourceMap)}
		}
		for suffix, opts := range variants {
			name := rec.name + suffix
			t.Run(name, func(t *testing.T) {
				r := renderThroughFake(t, []byte(rec.data), rec.typ, rec.value, opts...)
				for _, v := range append(checkTitle(r.Title), checkBody(r.Body, DefaultMaxBodyBytes)...) {
					t.Error(v)
				}
				for _, s := range recordedSecrets {
					if strings.Contains(r.Title+r.Body, s) {
						t.Errorf("secret %q reached the issue", s)
					}
				}
				if len(r.Warnings) > 0 {
					t.Errorf("warnings for a payload as the SDK sent it: %v", r.Warnings)
				}
				got := "Title: " + r.Title + "\n\n" + r.Body
				path := filepath.Join("testdata", "golden", name+".md")
				if *update {
					if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run with -update to write it)", err)
				}
				if got != string(want) {
					t.Errorf("%s differs from the golden file (run with -update if intended)\n--- got ---\n%s", path, got)
				}
			})
		}
	}
}
