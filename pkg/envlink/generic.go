package envlink

import (
	"regexp"
	"strings"
	"unicode"
)

// LogMessageType is the calculated_type Bugsink gives a log message
// (issues/utils.py get_exception_type_and_value_for_logmessage); its value
// is the message's template, before its arguments are put in.
const LogMessageType = "Log Message"

// rePlaceholder matches the placeholders of the log templates SDKs send:
// printf style (Python's %s, %(name)s, %-5.2f; Node's %o %O %j %i), and
// brace style ({}, {0}, {name}, {name!r:>10}).
var rePlaceholder = regexp.MustCompile(`%(\([^)]*\))?[-#0 +]*[0-9*]*(\.[0-9*]+)?[hlL]?[sdifFeEgGxXocrajOu%]|\{[^{}]*\}`)

// GenericTemplate reports whether a log message's template is only
// placeholders (and punctuation): "%s", "{}: {}", "%s - %r". Such a template
// is a catch-all that different code paths share, so it says nothing of
// which bug it is.
func GenericTemplate(value string) bool {
	rest := rePlaceholder.ReplaceAllString(value, "")
	return !strings.ContainsFunc(rest, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) })
}
