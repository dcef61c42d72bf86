package redact

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// plantedSecrets are secrets of the model's three kinds, each with the
// part of it that must not survive, planted between fuzzed texts.
var plantedSecrets = []struct{ text, mark string }{
	{"ghp_EXAMPLEfuzzGitHubToken0000000000000000", "EXAMPLEfuzzGitHub"},
	{"password=EXAMPLEfuzzPassword", "EXAMPLEfuzzPassword"},
	{"postgres://app:EXAMPLEfuzzURLpass@db/x", "EXAMPLEfuzzURLpass"},
}

// FuzzText: Text and Cut never panic, keep valid UTF-8 valid, and a
// secret planted between two texts, each ending and starting at a space,
// never survives.
func FuzzText(f *testing.F) {
	for _, c := range modelCases {
		f.Add(c.in, c.in, uint8(0))
	}
	for _, s := range ordinaryMessages {
		f.Add(s, "", uint8(1))
	}
	f.Fuzz(func(t *testing.T, before, after string, which uint8) {
		for _, s := range []string{before, after, before + after} {
			out, cut := Text(s), Cut(s)
			if utf8.ValidString(s) && (!utf8.ValidString(out) || !utf8.ValidString(cut)) {
				t.Fatalf("invalid UTF-8 out of %q: %q, %q", s, out, cut)
			}
		}
		p := plantedSecrets[int(which)%len(plantedSecrets)]
		s := before + " " + p.text + " " + after
		if got := Text(s); strings.Contains(got, p.mark) {
			t.Fatalf("%q survives in Text(%q) = %q", p.mark, s, got)
		}
	})
}
