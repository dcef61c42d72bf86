package cmd

import "log/slog"

// Secret is a credential read from the environment. It prints and logs as
// "<redacted>", so it cannot leak through a format string or a log line.
type Secret string

// String implements fmt.Stringer.
func (Secret) String() string { return "<redacted>" }

// GoString implements fmt.GoStringer (%#v).
func (Secret) GoString() string { return "<redacted>" }

// MarshalJSON keeps a secret out of JSON output.
func (Secret) MarshalJSON() ([]byte, error) { return []byte(`"<redacted>"`), nil }

// LogValue implements slog.LogValuer.
func (Secret) LogValue() slog.Value { return slog.StringValue("<redacted>") }

// Reveal returns the secret's value, for the one place that sends it.
func (s Secret) Reveal() string { return string(s) }
