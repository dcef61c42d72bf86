package redact

import "testing"

// breakLeaks are forms an independent attempt got past the model: a
// command line's flag, Basic credentials outside a header (plain or
// percent-encoded), and formats the table lacked.
var breakLeaks = []example{
	{"exec: mysqldump --password hunter2xyz --user app", "exec: mysqldump --password [redacted] --user app"},
	{"pg_dump --db-password 'correct horse' -h db", "pg_dump --db-password '[redacted]' -h db"},
	{"basic auth dXNlcjpodW50ZXIyeHl6 failed", "basic auth [redacted] failed"},
	{"retry with Basic dXNlcjpodW50ZXIyeHl6", "retry with Basic [redacted]"},
	{"GET /x?h=Basic%20dXNlcjpodW50ZXIyeHl6 401", "GET /x?h=Basic%20[redacted] 401"},
	{"key NRAK-ABCDEFGHIJKLMNOPQRSTUVWXYZ0 rejected", "key NRAK-[redacted] rejected"},
	{"lin_api_abcdefghijklmnopqrstuvwxyz0123456789ABCD denied", "lin_api_[redacted] denied"},
	{"dp.st.dev.abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH failed", "dp.st.[redacted] failed"},
	{"ATATT3xFfGF0abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ=ABCDEF12 bad", "ATATT3[redacted] bad"},
}

// breakOrdinary are ordinary messages the model mangled.
var breakOrdinary = []string{
	"open /srv/app/secrets.py: permission denied",
	`C:\app\config\secrets.json: access is denied`,
	"UPDATE users SET password = :password WHERE id = :id",
	"INSERT INTO t (token) VALUES (%s)",
	"error parsing token: illegal base64 data at input byte 4",
	"auth: password mismatch for user bob",
	"password: Ensure this field has at least 8 characters.",
	"ValidationError: password: Path `password` is required.",
	"exec: mysqldump --password --user app",
	"basic auth failed for user bob",
	"Basic realm=api not accepted",
	"Basic ZGVmYXVsdA== is not a pair",
}

func TestBreakLeaks(t *testing.T) {
	for _, c := range breakLeaks {
		if got := Text(c.in); got != c.want {
			t.Errorf("Text:\n in  %q\n got %q\nwant %q", c.in, got, c.want)
		}
	}
}

func TestBreakOrdinary(t *testing.T) {
	for _, s := range breakOrdinary {
		if got := Text(s); got != s {
			t.Errorf("Text changed an ordinary message:\n in  %q\n got %q", s, got)
		}
	}
}

// "Bearer:" with a colon, as a name of its own.
func TestBearerWithAColon(t *testing.T) {
	for in, want := range map[string]string{
		"Bearer: abcdef0123456789abcdef": "Bearer: [redacted]",
		"bearer: expired":                "bearer: expired",
		"bearer:abcdef0123456789abcdef":  "bearer:[redacted]",
	} {
		if got := Text(in); got != want {
			t.Errorf("Text(%q) = %q, want %q", in, got, want)
		}
	}
}
