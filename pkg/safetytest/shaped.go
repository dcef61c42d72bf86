package safetytest

import "strings"

// shaped are credentials known by their shape only, with no name beside
// them: fakes built to each format pkg/redact knows, and a password in a
// URL's user info. mark is the part of each that must not reach an issue.
var shaped = []struct{ key, mark string }{
	{"AKIAIOSFODNN7EXAMPLE", "IOSFODNN7EXAMPLE"},
	{"ghp_EXAMPLEdoNotUseFAKEToken000000000000", "EXAMPLEdoNotUseFAKEToken"},
	{"github_pat_11AEXAMPLE0FAKE0000000_EXAMPLEfakeFineGrainedToken" + strings.Repeat("0", 32), "EXAMPLEfakeFineGrained"},
	{"glpat-EXAMPLEfakeGitLabTok", "EXAMPLEfakeGitLab"},
	{"xoxb-123456789012-1234567890123-EXAMPLEfakeSlackToken000", "EXAMPLEfakeSlack"},
	{"sk_live_51EXAMPLEdoNotUseFAKEKEY00000000", "51EXAMPLEdoNotUseFAKEKEY"},
	{"rk_test_EXAMPLEfakeStripeTest0", "EXAMPLEfakeStripeTest"},
	{"AIzaSyEXAMPLEfakeGoogleKey0000000000000", "EXAMPLEfakeGoogle"},
	{"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJFWEFNUExFIn0.RVhBTVBMRWZha2VTaWduYXR1cmUwMDAwMDAw", "RVhBTVBMRWZha2VTaWdu"},
	{"-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAEXAMPLEfakePEMbody\n-----END RSA PRIVATE KEY-----", "EXAMPLEfakePEMbody"},
	{"SG.EXAMPLEfakeSendGrid000.EXAMPLEfakeSendGridSecret000000000000000000", "EXAMPLEfakeSendGrid"},
	{"npm_EXAMPLEfakeNpmToken00000000000000000", "EXAMPLEfakeNpm"},
	{"sk-proj-EXAMPLEfakeOpenAIProjectKey00000000000", "EXAMPLEfakeOpenAI"},
	{"sk-ant-api03-EXAMPLEfakeAnthropicKey" + strings.Repeat("0", 70) + "AA", "EXAMPLEfakeAnthropic"},
	{"https://deploy:EXAMPLEfakeURLpassword@git.example.com/shop.git", "EXAMPLEfakeURLpassword"},
}

// shapedKey returns the shaped credential that starts with prefix.
func shapedKey(prefix string) string {
	for _, s := range shaped {
		if strings.HasPrefix(s.key, prefix) {
			return s.key
		}
	}
	panic("no shaped credential starts with " + prefix)
}

// shapedMarks returns the part of each shaped credential that must not
// reach an issue.
func shapedMarks() []string {
	out := make([]string, len(shaped))
	for i, s := range shaped {
		out[i] = s.mark
	}
	return out
}

// Planted is every shaped credential, one after the other, for planting
// in error text.
var Planted = func() string {
	keys := make([]string, len(shaped))
	for i, s := range shaped {
		keys[i] = s.key
	}
	return strings.Join(keys, " ")
}()

// Surviving returns the marks of the planted credentials that text shows
// although inputs (arbitrary error text beside them) did not carry them.
func Surviving(inputs, text string) []string {
	var out []string
	for _, s := range shaped {
		if !strings.Contains(inputs, s.mark) && strings.Contains(text, s.mark) {
			out = append(out, s.mark)
		}
	}
	return out
}
