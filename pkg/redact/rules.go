package redact

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
// Basic-auth credentials in URLs (scheme://user:password@host) are removed
// by the caller's URL handling, which knows URLs.
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
}
