package redact

import (
	"strings"
	"syscall"
	"testing"
)

// cpuNanos is the CPU time the process has used so far: on a machine shared
// with other work, a benchmark's CPU time per op says more than its wall
// time.
func cpuNanos() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// realisticText is about 64 KiB of what error text is made of: Python and
// JavaScript frames, messages, URLs and logged arguments, with words that
// are hints to some rules ("task-", "sk-", "SG.", "AIza" do not occur, but
// "ASIA" in upper-case text and "eyJ" in a base64 blob do) and no credential.
func realisticText() string {
	lines := []string{
		`Traceback (most recent call last):`,
		`  File "/srv/shop/app/cart.py", line 42, in parse_price`,
		`    raw = PRICES[item]`,
		`KeyError: 'pear'`,
		`  at Object.<anonymous> (/srv/shop/node_modules/express/lib/router/index.js:284:7)`,
		`  at renderCart (webpack://shop/./src/cart.ts:11:9)`,
		`      > return items.map((item) => item.price * quantity + shipping.cost(item));`,
		`GET https://shop.example.com/api/cart/checkout?coupon=SPRING&page=2 failed: 502 Bad Gateway`,
		`  with arguments: ['A-1001', 3, {'region': 'SOUTH EAST ASIA', 'task-id': 'task-runner-7'}]`,
		`commit 3f786850e387550fdab836ed7e6dc881de23001b, request 5d3f7b2a-9c1e-4f6a-8b0d-2e4c6a8f1b3d`,
		`cached eyJpdGVtcyI6WyJhcHBsZSIsInBlYXIiXX0 for the session`,
	}
	var b strings.Builder
	for b.Len() < 64<<10 {
		for _, l := range lines {
			b.WriteString(l)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// BenchmarkText measures redaction of a large body: with no credential
// (the usual case), and with one of each format's examples in every 4 KiB;
// of one frame's line, the size of most texts redacted; and of the 16 KiB
// of one word of '@'s (or of URLs) bsync reads at most of any value (hostile text: the
// cost must grow with the text, not with its square).
//
//	go test ./pkg/redact -run '^$' -bench Text -benchmem
func BenchmarkText(b *testing.B) {
	plain := realisticText()
	var keys []string
	for _, examples := range ruleExamples {
		keys = append(keys, examples[0].in)
	}
	var withKeys strings.Builder
	for i, l := range strings.SplitAfter(plain, "\n") {
		withKeys.WriteString(l)
		if i%60 == 59 {
			withKeys.WriteString(keys[(i/60)%len(keys)] + "\n")
		}
	}
	frame := "  at renderCartItem (webpack://shop/./src/components/cart/Item7.tsx:42:17)"
	ats, urls := strings.Repeat("a:b@", 4<<10), strings.Repeat("a://b:c@", 2<<10)
	for name, text := range map[string]string{"none": plain, "some": withKeys.String(), "frame": frame, "ats": ats, "urls": urls} {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			start := cpuNanos()
			for b.Loop() {
				Text(text)
			}
			b.ReportMetric(float64(cpuNanos()-start)/float64(b.N), "cpu-ns/op")
		})
	}
}
