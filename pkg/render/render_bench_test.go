package render

import (
	"encoding/json"
	"fmt"
	"syscall"
	"testing"

	"bsync/pkg/bugsink"
	"bsync/pkg/bugsink/bugsinktest"
)

// BenchmarkRender measures rendering whole issues: every recorded SDK event
// in turn (one op renders them all), and a JavaScript stack 5,000 frames
// deep (real-looking source lines), of which the default 50 are shown.
//
//	go test ./pkg/render -run '^$' -bench Render -benchmem
func BenchmarkRender(b *testing.B) {
	type job struct {
		is bugsink.Issue
		ev *bugsink.Event
	}
	var recorded []job
	for _, rec := range loadRecorded(b) {
		ev := &bugsink.Event{StacktraceMD: bugsinktest.StacktraceMarkdown(rec.data, rec.value, nil)}
		if err := json.Unmarshal(rec.data, &ev.Data); err != nil {
			b.Fatal(err)
		}
		recorded = append(recorded, job{bugsink.Issue{ID: testID, CalculatedType: rec.typ, CalculatedValue: rec.value, DigestedEventCount: 4}, ev})
	}
	var frames []bugsink.Frame
	for i := range 5000 {
		frames = append(frames, bugsink.Frame{Filename: fmt.Sprintf("webpack://shop/./src/components/cart/Item%d.tsx", i%40),
			Function: "renderCartItem", Lineno: bugsink.FlexInt(i), Colno: 17,
			ContextLine: "    return items.map((item) => item.price * quantity + shipping.cost(item, { region: 'SOUTH EAST ASIA' }));"})
	}
	deep := job{issue("RangeError", "Maximum call stack size exceeded"), &bugsink.Event{Data: bugsink.EventData{Platform: "javascript",
		Request:   &bugsink.Request{Method: "GET", URL: "https://shop.example.com/cart?coupon=SPRING&page=2"},
		Exception: bugsink.ExceptionList{{Type: "RangeError", Value: "Maximum call stack size exceeded", Stacktrace: &bugsink.Stacktrace{Frames: frames}}}}}}
	for name, jobs := range map[string][]job{"recorded": recorded, "deep": {deep}} {
		b.Run(name, func(b *testing.B) {
			size, start := 0, cpuNanos()
			for b.Loop() {
				size = 0
				for _, j := range jobs {
					size += len(rendered(j.is, j.ev, "shop-frontend", Options{BugsinkURL: safetyBase}).Body)
				}
			}
			b.ReportMetric(float64(size), "body-bytes")
			b.ReportMetric(float64(cpuNanos()-start)/float64(b.N), "cpu-ns/op")
		})
	}
}

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
