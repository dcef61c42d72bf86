package cmd

import "log/slog"

// secret is a credential read from the environment. It prints and logs as
// "<redacted>", so it cannot leak through a format string, a log line or
// JSON: String, GoString, MarshalJSON and LogValue are safety nets for the
// day someone formats a config, not paths the code takes.
type secret string

func (secret) String() string               { return "<redacted>" }
func (secret) GoString() string             { return "<redacted>" }
func (secret) MarshalJSON() ([]byte, error) { return []byte(`"<redacted>"`), nil }
func (secret) LogValue() slog.Value         { return slog.StringValue("<redacted>") }

// reveal returns the secret's value, for the one place that sends it.
func (s secret) reveal() string { return string(s) }
