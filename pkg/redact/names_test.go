package redact

import (
	"strings"
	"testing"
)

// modelCases are secrets known by their name, their URL or "Bearer", in
// every form the model names, and what Text makes of each.
var modelCases = []example{
	// k=v, k: v, "k": "v", 'k': 'v', kwargs, env, Ruby, Go, comparisons
	{"login failed password=hunter2 for user", "login failed password=[redacted] for user"},
	{"db password: hunter2 for user bob", "db password: [redacted] for user bob"},
	{`{"api_key": "abc123def456"}`, `{"api_key": "[redacted]"}`},
	{`{'client_secret': 'abc123', 'client_id': 'shop'}`, `{'client_secret': '[redacted]', 'client_id': 'shop'}`},
	{`connect(password='hunter2', user='app')`, `connect(password='[redacted]', user='app')`},
	{`{\"password\": \"abc123\"}`, `{\"password\": \"[redacted]\"}`},
	{"DATABASE_PASSWORD=s3cr3t-Pa55", "DATABASE_PASSWORD=[redacted]"},
	{`SECRET_KEY='django-insecure-0123456789abcdef!%_&*^)'`, `SECRET_KEY='[redacted]'`},
	{`:password => "hunter2"`, `:password => "[redacted]"`},
	{`token := "abc123xyz"`, `token := "[redacted]"`},
	{`if password == "hunter2":`, `if password == "[redacted]":`},
	{"--password=hunter2 --user=app", "--password=[redacted] --user=app"},
	// quoted values whole, several words included
	{`password="correct horse battery staple" rejected`, `password="[redacted]" rejected`},
	{"password: correct horse battery staple", "password: [redacted]"},
	{`password="unterminated to the end of its line` + "\nnext line", `password="[redacted]` + "\nnext line"},
	// names by their words: *_KEY, AccountKey, X-Api-Key, camelCase, suffixes
	{"DefaultEndpointsProtocol=https;AccountName=shop;AccountKey=c2VjcmV0S2V5QmFzZTY0PT0+/abc==;EndpointSuffix=core.windows.net",
		"DefaultEndpointsProtocol=https;AccountName=shop;AccountKey=[redacted];EndpointSuffix=core.windows.net"},
	{"X-Api-Key: 0123456789abcdef", "X-Api-Key: [redacted]"},
	{"stripeSecretKey=abc123", "stripeSecretKey=[redacted]"},
	{"aws.secret_access_key=abc/def+ghi", "aws.secret_access_key=[redacted]"},
	{"npm _authToken=abc123", "npm _authToken=[redacted]"},
	{"password_confirmation=hunter2", "password_confirmation=[redacted]"},
	{"session_id=9f8e7d6c", "session_id=[redacted]"},
	{"Cookie: session=abc123; theme=dark", "Cookie: [redacted]"},
	// Authorization in header, dict, JSON and log-argument forms
	{"Authorization: Bearer abc123.def", "Authorization: Bearer [redacted]"},
	{"authorization=Basic dXNlcjpwYXNz", "authorization=Basic [redacted]"},
	{`{'Authorization': 'Basic dXNlcjpwYXNz'}`, `{'Authorization': 'Basic [redacted]'}`},
	{`{"authorization": "Token 0123456789abcdef"}`, `{"authorization": "Token [redacted]"}`},
	{`{Authorization: 'Basic dXNlcjpwYXNz', x: 'y'}`, `{Authorization: 'Basic [redacted]', x: 'y'}`},
	{`('HTTP_AUTHORIZATION': 'Bearer abc123')`, `('HTTP_AUTHORIZATION': 'Bearer [redacted]')`},
	{"failed with bearer abc123 for request", "failed with bearer [redacted] for request"},
	// query forms
	{"GET /cb?code=abc123&state=xyz&page=2", "GET /cb?code=[redacted]&state=[redacted]&page=2"},
	{"GET /x?X-Amz-Signature=abc123&X-Amz-Date=20240101", "GET /x?X-Amz-Signature=[redacted]&X-Amz-Date=20240101"},
	// URL user info in every shape
	{"connect redis://:S3cret@cache:6379/0 failed", "connect redis://:[redacted]@cache:6379/0 failed"},
	{"postgres://app:Ab/Cd+Ef9==@db/x", "postgres://app:[redacted]@db/x"},
	{"amqp://guest:p@ss@rabbit:5672/", "amqp://guest:[redacted]@rabbit:5672/"},
	{"redis://default:abc123@cache:6379", "redis://default:[redacted]@cache:6379"},
	{"mongodb+srv://app:pa:ss@cluster0.example.net/db", "mongodb+srv://app:[redacted]@cluster0.example.net/db"},
	{`"postgres://app:s3cret@db/x"`, `"postgres://app:[redacted]@db/x"`},
	// percent-encoded and '+'
	{"GET /login?next=%2Fapi%3Ftoken%3Dghp_EXAMPLEdoNotUseFAKEToken000000000000", "GET /login?next=%2Fapi%3Ftoken%3D[redacted]"},
	{"GET /x?auth=Bearer%20abc123def", "GET /x?auth=[redacted]"},
	{"GET /x?h=Bearer%20abc123def", "GET /x?h=Bearer%20[redacted]"},
	{"/uploads/X-Amz-Credential%3DAKIAIOSFODNN7EXAMPLE%2F20240101/a.js", "/uploads/X-Amz-Credential%3D[redacted]"},
	{"/srv/cache/s3%3AAKIAIOSFODNN7EXAMPLE%2Fa.js", "/srv/cache/s3%3AAKIA[redacted]%2Fa.js"},
	{"?redirect=postgres%3A%2F%2Fapp%3As3cret%40db%2Fx", "?redirect=postgres%3A%2F%2Fapp%3A[redacted]%40db%2Fx"},
	{"?q=password%253Dhunter2", "?q=password%253D[redacted]"},
	{"?data=password%3Dcorrect+horse", "?data=password%3D[redacted]"},
}

// ordinaryMessages name a secret but carry none: the words after the
// name say what went wrong and stay.
var ordinaryMessages = []string{
	"Invalid credentials: user not found",
	"token: expired",
	"signature: invalid",
	"Expected bearer token in Authorization header",
	"token_type=bearer expires_in=3600",
	"Authorization: Bearer undefined",
	"password: This field is required.",
	`{"password": ["This field may not be blank."]}`,
	"token=None",
	"Password must be at least 8 characters",
	"session: expired, please sign in again",
	"JWT signature: mismatch",
	"api_key: missing",
	"max_tokens=4096 used_tokens: 512",
	"KeyError: 'pear'",
	"cache_key=user:42:profile primary_key=id",
	"password_reset_url=https://shop.example.com/reset",
	"TokenExpiredError: jwt expired",
	"std::string token::parse failed",
	"PWD=/srv/app OLDPWD=/srv",
	"https://example.com:8080/@alice and https://medium.com/@alice and https://host/a:b@c",
	"author=alice keyword=shoes",
	"Sentry DSN https://0123456789abcdef0123456789abcdef@o1.ingest.sentry.io/1",
	"x = a+b; y = c%d",
	"token: [redacted] and secret: ****",
	"auth_type=basic token_url=https://auth.example.com/token",
	"SyntaxError: Unexpected token: punc (})",
	"JWT header: alg=HS256, Signature: SHA256",
}

func TestModelRedactsSecrets(t *testing.T) {
	for _, c := range modelCases {
		if got := Text(c.in); got != c.want {
			t.Errorf("Text:\n in  %q\n got %q\nwant %q", c.in, got, c.want)
		}
	}
}

func TestOrdinaryMessagesStay(t *testing.T) {
	for _, s := range ordinaryMessages {
		if got := Text(s); got != s {
			t.Errorf("Text changed an ordinary message:\n in  %q\n got %q", s, got)
		}
	}
}

// cutCases are texts cut short inside a secret: what is left of it goes.
var cutCases = []example{
	{"upload failed: " + strings.Repeat("x", 20) + " ghp_EXAMPLEdoNot…", "upload failed: " + strings.Repeat("x", 20) + " ghp_[redacted]…"},
	{"key AKIAIOSF", "key AKIA[redacted]"},
	{"jwt eyJhbGciOiJIUz", "jwt [redacted]"},
	{"connect redis://:S3cr", "connect redis://:[redacted]"},
	{"token: expi", "token: [redacted]"},
	{`password="correct horse`, `password="[redacted]`},
	{"bot 123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", "bot 123456789:A[redacted]"},
	{"Authorization: Bearer eyJhbG", "Authorization: Bearer [redacted]"},
}

func TestCutTextsLoseTheirLastSecret(t *testing.T) {
	for _, c := range cutCases {
		if got := Cut(c.in); got != c.want {
			t.Errorf("Cut:\n in  %q\n got %q\nwant %q", c.in, got, c.want)
		}
	}
	// Whole texts keep what Cut takes: a cut is what makes it a secret.
	for _, s := range []string{"token: expired", "see https://example.com:8080", "TASK done"} {
		if got := Cut(s); got != s && s != "token: expired" {
			t.Errorf("Cut(%q) = %q", s, got)
		}
	}
}

// More forms found trying to leak past the model.
var moreCases = []example{
	{`auth=("bob", "hunter2")`, `auth=[redacted]`},
	{`requests.get(url, auth=HTTPBasicAuth('bob', 'hunter 2'))`, `requests.get(url, auth=[redacted])`},
	{`'secret': b'hunter2'`, `'secret': b'[redacted]'`},
	{`password = os.environ["DB_PASSWORD"]`, `password = [redacted]`},
	{`secret_key: str = Field(..., min_length=32)`, `secret_key: str = Field(..., min_length=32)`},
}

func TestMoreForms(t *testing.T) {
	for _, c := range moreCases {
		if got := Text(c.in); got != c.want {
			t.Errorf("Text:\n in  %q\n got %q\nwant %q", c.in, got, c.want)
		}
	}
}

var escapedCases = []example{
	{`password\u003dhunter2 for bob`, `password\u003d[redacted] for bob`},
	{`{\u0022token\u0022: \u0022abc123\u0022}`, `{\u0022token\u0022: \u0022[redacted]\u0022}`},
	{`password&#61;hunter2 &amp; more`, `password&#61;[redacted] &amp; more`},
	{`{&quot;api_key&quot;: &quot;abc123&quot;}`, `{&quot;api_key&quot;: &quot;[redacted]&quot;}`},
	{`dsn root:hunter2@tcp(db:3306)/shop failed`, `dsn root:[redacted]@tcp(db:3306)/shop failed`},
	{`user:hunter2@db.example.com:5432`, `user:[redacted]@db.example.com:5432`},
	{`guest:p@ss@rabbit`, `guest:[redacted]@rabbit`},
}

// JSON escapes and HTML references are decoded like percent-encoding; user
// info is found without a scheme too; e-mail addresses, times and scoped
// packages stay.
func TestEscapesAndBareUserinfo(t *testing.T) {
	for _, c := range escapedCases {
		if got := Text(c.in); got != c.want {
			t.Errorf("Text:\n in  %q\n got %q\nwant %q", c.in, got, c.want)
		}
	}
	for _, s := range []string{"mail alice@example.com at 10:30@office", "git@github.com:shop/app.git", "@scope/pkg@1.2.3", "a &amp; b &#64;admin \\u0041"} {
		if got := Text(s); got != s {
			t.Errorf("Text(%q) = %q", s, got)
		}
	}
}
