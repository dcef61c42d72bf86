package redact

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/color"
	"image/png"
	"math/rand"
	"os"
	"strings"
	"testing"
)

// pngDataURL is a noisy 48×48 PNG as a data URL: a few KiB of base64 that
// is no credential.
func pngDataURL(t testing.TB) string {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 48, 48))
	rng := rand.New(rand.NewSource(7))
	for i := range img.Pix {
		img.Pix[i] = byte(rng.Intn(256))
	}
	img.Set(0, 0, color.NRGBA{A: 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(b.Bytes())
}

func TestTextIsIdempotent(t *testing.T) {
	var all []string
	for _, examples := range ruleExamples {
		for _, ex := range examples {
			all = append(all, ex.in)
		}
	}
	for _, c := range append(append(append(modelCases, cutCases...), moreCases...), escapedCases...) {
		all = append(all, c.in)
	}
	all = append(all, ordinaryMessages...)
	for _, s := range all {
		for _, f := range []func(string) string{Text, Cut} {
			if once := f(s); f(once) != once {
				t.Errorf("redacting %q again changed it: %q", once, f(once))
			}
		}
	}
}

// All the examples in one text, one a line, come out as each does alone
// (but the private key cut short, which is redacted to the end of the text).
func TestShapesInOneText(t *testing.T) {
	var in, want []string
	for _, r := range rules {
		for _, ex := range ruleExamples[r.name] {
			if !strings.HasPrefix(ex.in, "cut short") {
				in, want = append(in, ex.in), append(want, Text(ex.in))
			}
		}
	}
	if got := Text(strings.Join(in, "\n")); got != strings.Join(want, "\n") {
		t.Errorf("all examples in one text:\n got %q\nwant %q", got, strings.Join(want, "\n"))
	}
}

// docs/untrusted-text.md lists every format redacted.
func TestDocsListTheFormats(t *testing.T) {
	doc, err := os.ReadFile("../../docs/untrusted-text.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rules {
		if !strings.Contains(string(doc), r.name) {
			t.Errorf("docs/untrusted-text.md does not list %q", r.name)
		}
	}
}
