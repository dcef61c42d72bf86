package safetytest

import "strings"

// Credential is a secret as error text carries it (Text) and the part of
// it that must not reach an issue, a report or a log (Mark).
type Credential struct{ Name, Text, Mark string }

// pad fills a fake credential's body with zeros to n characters.
func pad(body string, n int) string { return body + strings.Repeat("0", n-len(body)) }

// Credentials are a fake of every format pkg/redact knows by its shape
// (no name beside it), and of every form in which a name, a URL or an
// encoding gives a secret away. Each mark is unique to its credential.
var Credentials = append(shapedCredentials, formCredentials...)

var shapedCredentials = []Credential{
	{"AWS access key ID", "AKIAIOSFODNN7EXAMPLE", "IOSFODNN7EXAMPLE"},
	{"GitHub token", "ghp_EXAMPLEdoNotUseFAKEToken000000000000", "EXAMPLEdoNotUseFAKEToken"},
	{"GitHub fine-grained token", "github_pat_11AEXAMPLE0FAKE0000000_EXAMPLEfakeFineGrainedToken" + strings.Repeat("0", 32), "EXAMPLEfakeFineGrained"},
	{"GitLab token", "glpat-EXAMPLEfakeGitLabTok", "EXAMPLEfakeGitLab"},
	{"Slack token", "xoxb-123456789012-1234567890123-EXAMPLEfakeSlackToken000", "EXAMPLEfakeSlack"},
	{"Stripe secret key", "sk_live_51EXAMPLEdoNotUseFAKEKEY00000000", "51EXAMPLEdoNotUseFAKEKEY"},
	{"Stripe restricted key", "rk_test_EXAMPLEfakeStripeTest0", "EXAMPLEfakeStripeTest"},
	{"Google API key", "AIzaSyEXAMPLEfakeGoogleKey0000000000000", "EXAMPLEfakeGoogle"},
	{"JSON Web Token", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJFWEFNUExFIn0.RVhBTVBMRWZha2VTaWduYXR1cmUwMDAwMDAw", "RVhBTVBMRWZha2VTaWdu"},
	{"PEM private key", "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAEXAMPLEfakePEMbody\n-----END RSA PRIVATE KEY-----", "EXAMPLEfakePEMbody"},
	{"SendGrid API key", "SG.EXAMPLEfakeSendGrid000.EXAMPLEfakeSendGridSecret000000000000000000", "EXAMPLEfakeSendGrid"},
	{"npm access token", "npm_EXAMPLEfakeNpmToken00000000000000000", "EXAMPLEfakeNpm"},
	{"OpenAI-style API key", "sk-proj-EXAMPLEfakeOpenAIProjectKey00000000000", "EXAMPLEfakeOpenAI"},
	{"Anthropic API key", "sk-ant-api03-EXAMPLEfakeAnthropicKey" + strings.Repeat("0", 70) + "AA", "EXAMPLEfakeAnthropic"},
	{"DigitalOcean token", "dop_v1_" + pad("0123456789abcdef0123fade", 64), "0123456789abcdef0123fade"},
	{"Shopify token", "shpat_" + pad("abcdef0123456789fedc", 32), "abcdef0123456789fedc"},
	{"HashiCorp Vault token", "hvs." + pad("CAESIEXAMPLEfakeVaultToken", 95), "EXAMPLEfakeVault"},
	{"Mailgun API key", "key-" + pad("fedcba9876543210abcd", 32), "fedcba9876543210abcd"},
	{"Twilio API key", "SK" + pad("0123456789abcdefbead", 32), "0123456789abcdefbead"},
	{"Telegram bot token", "123456789:A" + pad("AHEXAMPLEfakeTelegram", 34), "EXAMPLEfakeTelegram"},
	{"Discord webhook URL", "https://discord.com/api/webhooks/123456789012345678/" + pad("EXAMPLEfakeDiscordWebhook", 68), "EXAMPLEfakeDiscord"},
	{"Django insecure secret key", "django-insecure-EXAMPLEfakeDjangoKey!%_&*", "EXAMPLEfakeDjango"},
	{"New Relic key", "NRAK-" + pad("EXAMPLEFAKENEWRELIC", 27), "EXAMPLEFAKENEWRELIC"},
	{"Linear API key", "lin_api_" + pad("EXAMPLEfakeLinear", 40), "EXAMPLEfakeLinear"},
	{"Doppler token", "dp.st.prd." + pad("EXAMPLEfakeDoppler", 40), "EXAMPLEfakeDoppler"},
	{"Atlassian API token", "ATATT3xFfGF0" + pad("EXAMPLEfakeAtlassian", 60) + "=ABCD1234", "EXAMPLEfakeAtlassian"},
	{"1Password service account token", "ops_eyJ" + pad("EXAMPLEfakeOnePassword", 60), "EXAMPLEfakeOnePassword"},
	{"URL password", "https://deploy:EXAMPLEfakeURLpassword@git.example.com/shop.git", "EXAMPLEfakeURLpassword"},
}

// formCredentials give a secret away by a name, a URL or an encoding.
var formCredentials = []Credential{
	{"URL, no user", "redis://:S3cretEXAMPLEnoUser@cache:6379/0", "S3cretEXAMPLEnoUser"},
	{"URL, '/' in the password", "postgres://app:Ab/EXAMPLEslash+Ef9==@db/x", "EXAMPLEslash"},
	{"URL, '@' in the password", "amqp://guest:p@EXAMPLEatSign@rabbit:5672/", "EXAMPLEatSign"},
	{"Authorization as a dict", `{'Authorization': 'Basic RVhBTVBMRWRpY3RBdXRo'}`, "RVhBTVBMRWRpY3RBdXRo"},
	{"Authorization as JSON", `{"authorization": "Token EXAMPLEjsonAuthToken0123"}`, "EXAMPLEjsonAuth"},
	{"Authorization header", "Authorization: Bearer EXAMPLEheaderBearer0123", "EXAMPLEheaderBearer"},
	{"password=", "login failed password=EXAMPLEhunter2 for user", "EXAMPLEhunter2"},
	{"several words", `password="correct horse EXAMPLEbattery staple"`, "EXAMPLEbattery"},
	{"Django SECRET_KEY", `SECRET_KEY='EXAMPLEdjangoSetting0123'`, "EXAMPLEdjangoSetting"},
	{"Azure AccountKey", "DefaultEndpointsProtocol=https;AccountName=shop;AccountKey=EXAMPLEazureKey+/abc==;EndpointSuffix=core.windows.net", "EXAMPLEazureKey"},
	{"api_key as JSON", `{"api_key": "EXAMPLEjsonApiKey0123"}`, "EXAMPLEjsonApiKey"},
	{"token in an encoded query", "GET /login?next=%2Fapi%3Ftoken%3DEXAMPLEencodedToken0123", "EXAMPLEencodedToken"},
	{"Bearer encoded", "GET /x?h=Bearer%20EXAMPLEencodedBearer0123", "EXAMPLEencodedBearer"},
	{"AWS key in a file name", "/srv/cache/s3%3AAKIAEXAMPLEFILENAMEZ%2Fapp.js", "EXAMPLEFILENAMEZ"},
	{"password in a '+' query", "?data=password%3Dcorrect+EXAMPLEplusWord", "EXAMPLEplusWord"},
	{"a long flag's argument", "exec: pg_dump --db-password EXAMPLEflagArgument -h db", "EXAMPLEflagArgument"},
	{"Basic credentials in prose", "retry with Basic ZGVwbG95OkVYQU1QTEVwbGFpbkJhc2ljMDE=", "OkVYQU1QTEVwbGFpbkJhc2ljMDE"},
	{"Basic encoded", "GET /x?h=Basic%20ZGVwbG95OkVYQU1QTEVlbmNCYXNpYzAxMjM%3D", "OkVYQU1QTEVlbmNCYXNpYzAxMjM"},
	{"Bearer with a colon", "Bearer: EXAMPLEcolonBearer0123", "EXAMPLEcolonBearer"},
	{"a joiner inside a token", "ghp_EXAMPLE\u200djoinedFAKEToken0000000000000000", "joinedFAKEToken"},
}

// credentialText returns the text of the credential named name.
func credentialText(name string) string {
	for _, c := range Credentials {
		if c.Name == name {
			return c.Text
		}
	}
	panic("no credential named " + name)
}

// Marks returns the part of each credential that must not reach an issue.
func Marks() []string {
	out := make([]string, len(Credentials))
	for i, c := range Credentials {
		out[i] = c.Mark
	}
	return out
}

// Planted is every credential, one after the other, for planting in
// error text.
var Planted = func() string {
	keys := make([]string, len(Credentials))
	for i, c := range Credentials {
		keys[i] = c.Text
	}
	return strings.Join(keys, " ")
}()

// Surviving returns the marks of the planted credentials that text shows
// although inputs (arbitrary error text beside them) did not carry them.
func Surviving(inputs, text string) []string {
	var out []string
	for _, c := range Credentials {
		if !strings.Contains(inputs, c.Mark) && strings.Contains(text, c.Mark) {
			out = append(out, c.Mark)
		}
	}
	return out
}
