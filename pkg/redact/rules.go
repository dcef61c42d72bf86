package redact

import "strings"

// rules are the credential formats redacted wherever they stand. The shapes
// are those of gitleaks' rules (github.com/gitleaks/gitleaks,
// cmd/generate/config/rules, named here by rule id), written anew and
// widened where a redactor must err the other way from a scanner:
//
//   - no entropy floor and no allowlist: a placeholder that is redacted
//     costs nothing, a real key that is kept costs a rotation;
//   - no upper length bound: the whole run of token characters goes, so no
//     tail of a longer key is left;
//   - any character may end a token: the key in "(key sk_live_…)" is one,
//     where a scanner wants a quote or a space after it.
//
// Basic-auth credentials in URLs (scheme://user:password@host) are the
// user info rule's (userinfo.go), values after a name the names' (names.go).
var rules = []rule{
	{
		name:   "AWS access key ID",
		source: "gitleaks aws-access-token",
		hints:  []string{"AKIA", "ASIA", "ABIA", "ACCA", "A3T"},
		re:     anchored(`(AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z2-7]{16}\b`),
	},
	{
		name:   "GitHub token",
		source: "gitleaks github-pat, github-oauth, github-app-token, github-refresh-token",
		hints:  []string{"ghp_", "gho_", "ghu_", "ghs_", "ghr_"},
		re:     anchored(`(gh[pousr]_)[0-9A-Za-z]{36,}`),
	},
	{
		name:   "GitHub fine-grained token",
		source: "gitleaks github-fine-grained-pat",
		hints:  []string{"github_pat_"},
		re:     anchored(`(github_pat_)\w{82,}`),
	},
	{
		name: "GitLab token",
		source: "gitleaks gitlab-pat, gitlab-pat-routable, gitlab-deploy-token, gitlab-runner-authentication-token, " +
			"gitlab-cicd-job-token, gitlab-ptt, gitlab-feed-token, gitlab-incoming-mail-token, " +
			"gitlab-kubernetes-agent-token, gitlab-oauth-app-secret, gitlab-scim-token, gitlab-feature-flag-client-token",
		hints: []string{"glpat-", "gldt-", "glrt-", "glcbt-", "glptt-", "glft-", "glimt-", "glagent-", "gloas-", "glsoat-", "glffct-"},
		re:    anchored(`(gl(?:pat|dt|rt|cbt|ptt|ft|imt|agent|oas|soat|ffct)-)[\w-]{20,}(?:\.[0-9a-z]{9}\b)?`),
	},
	{
		name:   "Slack token",
		source: "gitleaks slack-bot-token, slack-user-token, slack-legacy-bot-token, slack-legacy-token, slack-config-refresh-token, slack-config-access-token",
		hints:  []string{"xoxb-", "xoxp-", "xoxe-", "xoxo-", "xoxs-"},
		re:     anchored(`(xox[bpeos]-)[0-9]+-[0-9A-Za-z-]{8,}`),
	},
	{
		name:   "Slack workspace token",
		source: "gitleaks slack-legacy-workspace-token",
		hints:  []string{"xoxa-", "xoxr-"},
		re:     anchored(`(xox[ar]-)[0-9A-Za-z][0-9A-Za-z-]{7,}`),
	},
	{
		name:   "Slack app token",
		source: "gitleaks slack-app-token",
		hints:  []string{"xapp-"},
		re:     anchored(`(xapp-)[0-9]-[0-9A-Za-z]+-[0-9]+-[0-9A-Za-z]+`),
	},
	{
		name:   "Slack webhook URL",
		source: "gitleaks slack-webhook-url",
		hints:  []string{"hooks.slack.com/"},
		re:     anchored(`(hooks\.slack\.com/(?:services|workflows|triggers)/)[0-9A-Za-z+/]{40,}`),
	},
	{
		name:   "Stripe secret or restricted key",
		source: "gitleaks stripe-access-token",
		hints:  []string{"sk_live_", "rk_live_", "sk_test_", "rk_test_", "sk_prod_", "rk_prod_"},
		re:     anchored(`([rs]k_(?:live|test|prod)_)[0-9A-Za-z]{10,}`),
	},
	{
		name:   "Google API key",
		source: "gitleaks gcp-api-key",
		hints:  []string{"AIza"},
		re:     anchored(`(AIza)[\w-]{35,}`),
	},
	{
		// The header and the claims are base64url JSON objects: "{"
		// followed by a quote or a space encodes as eyJ or eyA.
		name:   "JSON Web Token",
		source: "gitleaks jwt",
		hints:  []string{"eyJ", "eyA"},
		re:     anchored(`ey[JA][\w-]{15,}\.ey[\w-]{6,}\.[\w-]*={0,2}`),
	},
	{
		// An unterminated block (a message cut short) is redacted to the
		// end of the text.
		name:   "PEM private key",
		source: "gitleaks private-key",
		hints:  []string{"-----BEGIN"},
		re: anchored(`(-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----)[\s\S]*?` +
			`(-----END[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----|$)`),
	},
	{
		// gitleaks takes any 66 characters after "SG."; SendGrid's keys
		// are SG.<22>.<43>, and the dot is required here so that a
		// sentence's full stop after a key is not taken with it.
		name:   "SendGrid API key",
		source: "gitleaks sendgrid-api-token",
		hints:  []string{"SG."},
		re:     anchored(`(SG\.)[\w-]{20,}\.[\w-]{40,}`),
	},
	{
		name:   "npm access token",
		source: "gitleaks npm-access-token",
		hints:  []string{"npm_"},
		re:     anchored(`(npm_)[0-9A-Za-z]{36,}`),
	},
	{
		name:   "PyPI upload token",
		source: "gitleaks pypi-upload-token",
		hints:  []string{"pypi-AgEIcHlwaS5vcmc"},
		re:     anchored(`(pypi-)AgEIcHlwaS5vcmc[\w-]{50,}`),
	},
	{
		name:   "Sentry auth token",
		source: "gitleaks sentry-org-token, sentry-user-token",
		hints:  []string{"sntrys_", "sntryu_"},
		re:     anchored(`(sntry[su]_)[\w+/=]{40,}`),
	},
	{
		name:   "Anthropic API key",
		source: "gitleaks anthropic-api-key, anthropic-admin-api-key",
		hints:  []string{"sk-ant-"},
		re:     anchored(`(sk-ant-[a-z]+[0-9]{2}-)[\w-]{32,}`),
	},
	{
		// Widened from OpenAI's own formats (sk-proj-…, and sk-… with
		// T3BlbkFJ inside) to every sk- key of 32 or more characters, the
		// shape older OpenAI keys and many compatible APIs share.
		name:   "OpenAI-style API key",
		source: "gitleaks openai-api-key (widened)",
		hints:  []string{"sk-"},
		re:     anchored(`(sk-(?:proj-|svcacct-|admin-)?)[\w-]{32,}`),
	},
	{
		name:   "DigitalOcean token",
		source: "gitleaks digitalocean-pat, digitalocean-access-token, digitalocean-refresh-token",
		hints:  []string{"dop_v1_", "doo_v1_", "dor_v1_"},
		re:     anchored(`(do[por]_v1_)[0-9a-fA-F]{64,}`),
	},
	{
		name:   "Shopify token",
		source: "gitleaks shopify-access-token, shopify-custom-access-token, shopify-private-app-access-token, shopify-shared-secret",
		hints:  []string{"shpat_", "shpca_", "shppa_", "shpss_"},
		re:     anchored(`(shp(?:at|ca|pa|ss)_)[0-9a-fA-F]{32,}`),
	},
	{
		// Widened from gitleaks' 90 (service) and 138 (batch) characters
		// to 24: shorter tokens of the same prefix are Vault's too.
		name:   "HashiCorp Vault token",
		source: "gitleaks vault-service-token, vault-batch-token (widened)",
		hints:  []string{"hvs.", "hvb."},
		re:     anchored(`(hv[sb]\.)[\w-]{24,}`),
	},
	{
		name:   "Mailgun API key",
		source: "gitleaks mailgun-private-api-token",
		hints:  []string{"key-"},
		re:     anchored(`(key-)[0-9a-fA-F]{32,}`),
	},
	{
		name:   "Twilio API key",
		source: "gitleaks twilio-api-key",
		hints:  []string{"SK"},
		re:     anchored(`(SK)[0-9a-fA-F]{32,}`),
	},
	{
		// The bot's id (digits) and ":A", then the secret; the id must
		// stand at the start of a word. No name is needed beside it, as
		// gitleaks wants one: the shape is rare enough.
		name:   "Telegram bot token",
		source: "gitleaks telegram-bot-api-token",
		hints:  []string{":A"},
		re:     anchored(`([0-9]{5,16}:A)[\w-]{34,}`),
		back:   digitsBefore,
	},
	{
		name:   "Discord webhook URL",
		source: "Discord's webhook URLs (no gitleaks rule)",
		hints:  []string{"discord.com/api/", "discordapp.com/api/"},
		re:     anchored(`(discord(?:app)?\.com/api/(?:v[0-9]+/)?webhooks/)[0-9]+/[\w-]{20,}`),
	},
	{
		name:   "New Relic key",
		source: "gitleaks new-relic-user-api-key, new-relic-insert-key, new-relic-browser-api-token",
		hints:  []string{"NRAK-", "NRII-", "NRJS-"},
		re:     anchored(`(NR(?:AK|II|JS)-)[A-Za-z0-9-]{27,}`),
	},
	{
		name:   "Linear API key",
		source: "gitleaks linear-api-key",
		hints:  []string{"lin_api_"},
		re:     anchored(`(lin_api_)[A-Za-z0-9]{40,}`),
	},
	{
		name:   "Doppler token",
		source: "gitleaks doppler-api-token (service, CLI, SCIM and audit tokens too)",
		hints:  []string{"dp.pt.", "dp.st.", "dp.ct.", "dp.sa.", "dp.scim.", "dp.audit."},
		re:     anchored(`(dp\.(?:pt|st|ct|sa|scim|audit)\.)[\w.-]{40,}`),
	},
	{
		// Widened from gitleaks' 186 characters (Atlassian) and 250
		// (1Password) to 40: the prefixes are distinctive enough.
		name:   "Atlassian API token",
		source: "gitleaks atlassian-api-token (widened)",
		hints:  []string{"ATATT3"},
		re:     anchored(`(ATATT3)[\w=-]{40,}`),
	},
	{
		name:   "1Password service account token",
		source: "gitleaks 1password-service-account-token (widened)",
		hints:  []string{"ops_eyJ"},
		re:     anchored(`(ops_)eyJ[\w+/=-]{40,}`),
	},
	{
		name:   "Django insecure secret key",
		source: "gitleaks django-insecure-secret-key",
		hints:  []string{"django-insecure-"},
		re:     anchored("(django-insecure-)[^\\s\"'`]+"),
	},
}

// digitsBefore returns where the run of 5 to 16 digits before s[at]
// starts, when it starts a word or follows "bot" (as in the Bot API's
// URLs, https://api.telegram.org/bot<token>/…); -1 otherwise.
func digitsBefore(s string, at int) int {
	i := at
	for i > 0 && at-i < 17 && '0' <= s[i-1] && s[i-1] <= '9' {
		i--
	}
	if n := at - i; n < 5 || n > 16 {
		return -1
	}
	w := i
	if strings.HasSuffix(s[:i], "bot") {
		w = i - 3
	}
	if w > 0 && isWordByte(s[w-1]) {
		return -1
	}
	return i
}
