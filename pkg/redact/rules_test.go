package redact

import (
	"strings"
	"testing"
)

// fake builds an obviously fake credential: prefix, then body padded with
// zeros to n characters.
func fake(prefix, body string, n int) string {
	return prefix + body + strings.Repeat("0", n-len(body))
}

// example is a text with a credential and what its rule alone makes of it.
type example struct{ in, want string }

// ruleExamples are, per rule, fakes built to the shapes of the true examples
// in the gitleaks rule the rule names (never gitleaks' own strings, some of
// which look real), each in the kind of sentence an error message carries.
var ruleExamples = map[string][]example{
	"AWS access key ID": {
		{"upload with AKIAIOSFODNN7EXAMPLE failed", "upload with AKIA[redacted] failed"}, // AWS's documented example
		{"(ASIAEXAMPLEFAKEKEY23)", "(ASIA[redacted])"},
		{"ABIAEXAMPLEFAKEKEY23, ACCAEXAMPLEFAKEKEY23", "ABIA[redacted], ACCA[redacted]"},
		{"key=A3TXEXAMPLEFAKEKEY23\n", "key=A3TX[redacted]\n"},
	},
	"GitHub token": {
		{"GitHub refused " + fake("ghp_", "EXAMPLEdoNotUseFAKEToken", 36) + " for shop/infra", "GitHub refused ghp_[redacted] for shop/infra"},
		{"clone https://" + fake("ghs_", "EXAMPLEfake", 36) + "@github.com/shop/infra.git", "clone https://ghs_[redacted]@github.com/shop/infra.git"},
		{fake("gho_", "EXAMPLEfake", 36) + "," + fake("ghu_", "EXAMPLEfake", 36) + ";" + fake("ghr_", "EXAMPLEfake", 36),
			"gho_[redacted],ghu_[redacted];ghr_[redacted]"},
		{"'" + fake("ghp_", "EXAMPLEfake", 40) + "'", "'ghp_[redacted]'"}, // longer than the format: all of it goes
	},
	"GitHub fine-grained token": {
		{"token " + fake("github_pat_", "11AEXAMPLE0FAKE0000000_EXAMPLEfakeFineGrainedToken", 82) + " expired", "token github_pat_[redacted] expired"},
	},
	"GitLab token": {
		{"glpat-EXAMPLEfakeGLtoken00 rejected", "glpat-[redacted] rejected"},
		{"routable " + fake("glpat-", "EXAMPLEfakeRoutableToken", 27) + ".01example.", "routable glpat-[redacted]."},
		{fake("glrt-t1_", "EXAMPLEfakeRunnerToken", 27) + ".01example", "glrt-[redacted]"},
		{fake("gldt-", "EXAMPLEfake", 20) + " " + fake("glcbt-1a2b3_", "EXAMPLEfake", 20) + " " + fake("glptt-", "0123456789abcdef", 40),
			"gldt-[redacted] glcbt-[redacted] glptt-[redacted]"},
	},
	"Slack token": {
		{"bot xoxb-123456789012-1234567890123-EXAMPLEfakeSlackToken000 revoked", "bot xoxb-[redacted] revoked"},
		{"xoxp-12345678901-1234567890-12345678901-0123456789abcdef0123456789abcdef", "xoxp-[redacted]"},
		{"legacy xoxb-123456789012-EXAMPLEfakeLegacyBot0", "legacy xoxb-[redacted]"},
		{"xoxs-1234567890-1234567890-1234567890-0123456789", "xoxs-[redacted]"},
		{"refresh " + fake("xoxe-1-", "EXAMPLEfakeSlackRefreshToken", 146), "refresh xoxe-[redacted]"},
		{"config " + fake("xoxe.xoxp-1-", "EXAMPLEfakeSlackConfigToken", 163), "config xoxe.xoxp-[redacted]"},
	},
	"Slack workspace token": {
		{"xoxa-2-123456789-12345678901-1234567890123-0123456789abcdef00", "xoxa-[redacted]"},
		{`"xoxr-EXAMPLEfake00"`, `"xoxr-[redacted]"`},
	},
	"Slack app token": {
		{fake("xapp-1-A0EXAMPLE00-1234567890123-", "0123456789abcdef", 64), "xapp-[redacted]"},
	},
	"Slack webhook URL": {
		{"POST https://hooks.slack.com/services/T00000000/B00000000/EXAMPLEfakeWebhook000000 failed",
			"POST https://hooks.slack.com/services/[redacted] failed"},
		{"hooks.slack.com/workflows/T00000000/A00000000/123456789012345678/EXAMPLEfakeWebhook000",
			"hooks.slack.com/workflows/[redacted]"},
	},
	"Stripe secret or restricted key": {
		{"stripe charge for cus_EXAMPLE42 failed (key sk_live_51EXAMPLEdoNotUseFAKEKEY00000000)", "stripe charge for cus_EXAMPLE42 failed (key sk_live_[redacted])"},
		{"rk_live_EXAMPLEfakeRestricted0 sk_test_EXAMPLEfake000000000000 rk_prod_EXAMPLEfake00",
			"rk_live_[redacted] sk_test_[redacted] rk_prod_[redacted]"},
	},
	"Google API key": {
		{"maps?key=" + fake("AIza", "SyEXAMPLEfakeGoogleKey", 35) + "&v=3", "maps?key=AIza[redacted]&v=3"},
		{fake("AIza", "SyEXAMPLEfakeGoogleKey", 34) + "-", "AIza[redacted]"}, // a non-word character at the end
	},
	"JSON Web Token": {
		{"session eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJFWEFNUExFIn0.RVhBTVBMRWZha2VTaWduYXR1cmUwMDAwMDAw expired",
			"session [redacted] expired"},
		{"unsigned eyJhbGciOiJub25lIn0.eyJzdWIiOiJ0ZXN0LXVzZXIifQ.", "unsigned [redacted]"},
		{"?id_token=eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJFWEFNUExFIn0.RVhBTVBMRQ&x=1", "?id_token=[redacted]&x=1"},
	},
	"PEM private key": {
		{"bad key: -----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAEXAMPLEfakeKeyBody000000\nEXAMPLEfakeKeyBody\n-----END RSA PRIVATE KEY-----\nretrying",
			"bad key: -----BEGIN RSA PRIVATE KEY-----[redacted]-----END RSA PRIVATE KEY-----\nretrying"},
		{"-----BEGIN PRIVATE KEY----- MIIEvQEXAMPLEfakeFolded -----END PRIVATE KEY----- and -----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbEXAMPLE\n-----END OPENSSH PRIVATE KEY-----",
			"-----BEGIN PRIVATE KEY-----[redacted]-----END PRIVATE KEY----- and -----BEGIN OPENSSH PRIVATE KEY-----[redacted]-----END OPENSSH PRIVATE KEY-----"},
		{"-----BEGIN PGP PRIVATE KEY BLOCK-----\nlQWGBEXAMPLEfake\n=8xQN\n-----END PGP PRIVATE KEY BLOCK-----",
			"-----BEGIN PGP PRIVATE KEY BLOCK-----[redacted]-----END PGP PRIVATE KEY BLOCK-----"},
		{"cut short: -----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIEXAMPLEfake", "cut short: -----BEGIN EC PRIVATE KEY-----[redacted]"},
	},
	"SendGrid API key": {
		{"mail failed: " + fake("SG.", "EXAMPLEfakeSendGrid", 22) + "." + fake("", "EXAMPLEfakeSendGridSecret", 43) + ".", "mail failed: SG.[redacted]."},
	},
	"npm access token": {
		{"//registry.npmjs.org/:_authToken=" + fake("npm_", "EXAMPLEfakeNpmToken", 36), "//registry.npmjs.org/:_authToken=npm_[redacted]"},
	},
	"PyPI upload token": {
		{"upload with " + fake("pypi-AgEIcHlwaS5vcmc", "EXAMPLEfakePyPIToken", 64) + " denied", "upload with pypi-[redacted] denied"},
	},
	"Sentry auth token": {
		{"sentry-cli: " + fake("sntryu_", "0123456789abcdef", 64), "sentry-cli: sntryu_[redacted]"},
		{"sntrys_eyJpYXQiOjE3MDAwMDAwMDAsInVybCI6Imh0dHBzOi8vc2VudHJ5LmV4YW1wbGUiLCJvcmciOiJzaG9wIn0=_" + fake("", "EXAMPLEfakeSentryOrgToken", 43),
			"sntrys_[redacted]"},
	},
	"Anthropic API key": {
		{"x-api-key " + fake("sk-ant-api03-", "EXAMPLEfakeAnthropicKey", 93) + "AA", "x-api-key sk-ant-api03-[redacted]"},
		{fake("sk-ant-admin01-", "EXAMPLEfakeAnthropicAdminKey", 93) + "AA", "sk-ant-admin01-[redacted]"},
	},
	"OpenAI-style API key": {
		{"401 for " + fake("sk-proj-", "EXAMPLEfakeOpenAIProjectKey", 58) + "T3BlbkFJ" + fake("", "EXAMPLEfake", 58), "401 for sk-proj-[redacted]"},
		{"sk-EXAMPLEfake000000000T3BlbkFJEXAMPLEfake000000000", "sk-[redacted]"},
		{"key: " + fake("sk-", "0123456789abcdef", 32) + ".", "key: sk-[redacted]."},
	},
	"DigitalOcean token": {
		{"doctl: " + fake("dop_v1_", "0123456789abcdef", 64) + " unauthorized", "doctl: dop_v1_[redacted] unauthorized"},
		{fake("doo_v1_", "abcdef", 64) + "," + fake("dor_v1_", "fedcba", 64), "doo_v1_[redacted],dor_v1_[redacted]"},
	},
	"Shopify token": {
		{"X-Shopify-Access-Token " + fake("shpat_", "0123456789abcdef", 32), "X-Shopify-Access-Token shpat_[redacted]"},
		{fake("shpca_", "ABCDEF", 32) + " " + fake("shppa_", "abc", 32) + " " + fake("shpss_", "fed", 32), "shpca_[redacted] shppa_[redacted] shpss_[redacted]"},
	},
	"HashiCorp Vault token": {
		{"vault: " + fake("hvs.", "CAESIEXAMPLEfakeVaultToken_-", 95) + " denied", "vault: hvs.[redacted] denied"},
		{fake("hvb.", "AAAAAQEXAMPLEfakeBatch", 140), "hvb.[redacted]"},
	},
	"Mailgun API key": {
		{"mailgun: 401 for " + fake("key-", "0123456789abcdef", 32), "mailgun: 401 for key-[redacted]"},
	},
	"Twilio API key": {
		{"twilio rejected " + fake("SK", "0123456789abcdef", 32) + ".", "twilio rejected SK[redacted]."},
	},
	"Telegram bot token": {
		{"POST https://api.telegram.org/bot123456789:" + fake("A", "AHEXAMPLEfakeTelegram_-", 35) + "/sendMessage: 404",
			"POST https://api.telegram.org/bot123456789:A[redacted]/sendMessage: 404"},
		{"bot token 12345:" + fake("A", "EXAMPLEfake", 35), "bot token 12345:A[redacted]"},
	},
	"Discord webhook URL": {
		{"POST https://discord.com/api/webhooks/123456789012345678/" + fake("", "EXAMPLEfakeDiscordWebhook_-", 68) + " failed",
			"POST https://discord.com/api/webhooks/[redacted] failed"},
		{"https://ptb.discordapp.com/api/v10/webhooks/123456789012345678/" + fake("", "EXAMPLEfake", 68),
			"https://ptb.discordapp.com/api/v10/webhooks/[redacted]"},
	},
	"New Relic key": {
		{"key NRAK-EXAMPLEFAKE0123456789ABCDEFGH rejected", "key NRAK-[redacted] rejected"},
		{"NRJS-0123456789abcdefexample01234", "NRJS-[redacted]"},
	},
	"Linear API key": {
		{"LINEAR=lin_api_EXAMPLEfake0123456789abcdefghijklmnopqrst", "LINEAR=lin_api_[redacted]"},
	},
	"Doppler token": {
		{"dp.st.prd.EXAMPLEfake0123456789abcdefghijklmnopqrstuv denied", "dp.st.[redacted] denied"},
		{"dp.pt.EXAMPLEfake0123456789abcdefghijklmnopqrstuvwxyz0", "dp.pt.[redacted]"},
	},
	"Atlassian API token": {
		{"jira: ATATT3xFfGF0EXAMPLEfake0123456789abcdefghijklmnop=ABCD1234 bad", "jira: ATATT3[redacted] bad"},
	},
	"1Password service account token": {
		{"op: ops_eyJFAKEexample0123456789abcdefghijklmnopqrstuvwxyz+/= x", "op: ops_[redacted] x"},
	},
	"Django insecure secret key": {
		{"settings: django-insecure-EXAMPLEfake0123!%_&*^)abcdef loaded", "settings: django-insecure-[redacted] loaded"},
	},
}

// nearMisses are not credentials and stay as they are: gitleaks' false
// examples that are not placeholders, and what error text is full of.
var nearMisses = []string{
	"NRAK-short", "lin_api_key is unset", "dp.st.dev is not set", "ATATT3 prefix", "ops_eyJ truncated",
	"3f786850e387550fdab836ed7e6dc881de23001b",                                                                         // a git sha
	"5d3f7b2a-9c1e-4f6a-8b0d-2e4c6a8f1b3d",                                                                             // a UUID
	"https://0123456789abcdef0123456789abcdef@o1.ingest.sentry.io/1",                                                   // a Sentry DSN: its key is public
	"TODAYINASIAASACKOFRICEFELLOVER",                                                                                   // aws-access-token: wrong length
	`msgstr "Näytä asiakirjamallikansio."`,                                                                             // aws-access-token: lowercase
	"ghp_shortEXAMPLE and gho_ and " + fake("ghp_", "EXAMPLEfake", 35),                                                 // too short
	"https://docs.google.com/document/d/1W7KCxOxP-1Fy5EyF2lbJGE2WuKmu5v0suYqoHas1jRM",                                  // slack-user-token
	"https://indieweb.org/images/3/35/2018-250-xoxo-indieweb-1.jpg",                                                    // slack-legacy-token
	"https://github.com/xoxa-nyc/xoxa-nyc.github.io/blob/master/README.md",                                             // slack-legacy-workspace-token
	"XOxE-RROAmw, Home and Garden, 5:24, 20120323",                                                                     // slack-config-refresh-token
	"xoxb-xxx xoxb-xoxb-my-bot-token",                                                                                  // slack-bot-token
	`"task_test_EXAMPLEfake0000000000000000000"`,                                                                       // stripe-access-token
	"pk_live_EXAMPLEfakePublishable000 sk_live_short",                                                                  // a publishable key is public; too short
	"AIZASYCO2CXRMC9ELSKLHLHRMBSWDEVEDZTLO2O",                                                                          // gcp-api-key: wrong case
	"GWw4hjABFzZCGiRpmlDyDdo87Jn9BN9THUA47muVRNunLxsa82tMAdvmrhOqNkRKiYMEAFbTJAIzaTesb6Tscfcni8vIpWZqNCXFDFslJtVSvFDq", // gcp-api-key: no boundary
	"eyeballing.eyewitness.eyesight and eyJ alone",                                                                     // not base64 JSON
	"-----BEGIN CERTIFICATE-----\nMIIBEXAMPLE\n-----END CERTIFICATE-----\n-----BEGIN PUBLIC KEY-----\nMFkwEXAMPLE\n-----END PUBLIC KEY-----",
	"SG.Shop.Orders failed and SG.x.y",                                                                // not SG.<22>.<43>
	"npm_config_user_agent=npm/10.2.4 node/v20.11.0 npm_package_json",                                 // npm's own variables
	"sk-ant-api03-short desk-0123456789abcdef0123456789abcdef task-runner-0123456789abcdef0123456789", // too short; no boundary
	"at Object.<anonymous> (/srv/shop/node_modules/express/lib/router/index.js:284:7)",
	"KeyError: 'sk' in parse_price(item='AKIA')",
	"a key-value store, " + fake("pubkey-", "0123456789abcdef", 32), // mailgun-pub-key: public
	"SKU12345 TASK SK-short hvs.short hvb.x 12:AM 1234:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi",
	"clm12345:AgencyIdentificationCodeContentType", // telegram-bot-api-token: no word start
	"https://discord.com/api/v10/users/@me and discord.com/api/webhooks/123",
	"django-insecure is a prefix",
}

// ruleNamed returns the rule called name.
func ruleNamed(t *testing.T, name string) *rule {
	t.Helper()
	for i := range rules {
		if rules[i].name == name {
			return &rules[i]
		}
	}
	t.Fatalf("no rule %q", name)
	return nil
}

// alone redacts s with rule r only.
func alone(r *rule, s string) string { return apply(s, r.find(s, nil)) }

// Every rule redacts its examples by itself (no other rule does its work),
// and Text, with every rule and the names and URLs besides, removes at
// least as much.
func TestRulesRedactTheirExamples(t *testing.T) {
	for name, examples := range ruleExamples {
		r := ruleNamed(t, name)
		for _, ex := range examples {
			if got := alone(r, ex.in); got != ex.want {
				t.Errorf("%s alone:\n in  %q\n got %q\nwant %q", name, ex.in, got, ex.want)
			}
			got := Text(ex.in)
			for _, sp := range r.find(ex.in, nil) {
				if secret := ex.in[sp.from:sp.to]; strings.Contains(got, secret) {
					t.Errorf("Text(%q) = %q keeps %q", ex.in, got, secret)
				}
			}
		}
	}
	for _, r := range rules {
		if len(ruleExamples[r.name]) == 0 {
			t.Errorf("rule %q has no examples", r.name)
		}
		if r.source == "" || len(r.hints) == 0 || len(r.hints) > maxHints {
			t.Errorf("rule %q names no source, or no hint or more than maxHints", r.name)
		}
	}
}

func TestNearMissesStay(t *testing.T) {
	for _, s := range append(nearMisses, pngDataURL(t)) {
		if got := Text(s); got != s {
			t.Errorf("Text changed a non-credential:\n in  %q\n got %q", s, got)
		}
	}
}

// Placeholders in the shape of a credential are redacted on purpose, where
// gitleaks lists them as false: a redacted placeholder costs nothing.
func TestPlaceholdersAreRedactedToo(t *testing.T) {
	for _, s := range []string{"ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "key = AKIAXXXXXXXXXXXXXXXX", "glpat-XXXXXXXXXXX-XXXXXXXX"} {
		if got := Text(s); !strings.Contains(got, Marker) {
			t.Errorf("Text(%q) = %q, want it redacted", s, got)
		}
	}
}
