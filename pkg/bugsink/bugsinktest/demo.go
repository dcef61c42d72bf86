package bugsinktest

import "time"

// DemoProjects are the six project slugs of the original deployment.
var DemoProjects = []string{
	"flyer-crawler-backend", "flyer-crawler-backend-test",
	"flyer-crawler-frontend", "flyer-crawler-frontend-test",
	"flyer-crawler-infrastructure", "flyer-crawler-test-infrastructure",
}

func jsPayload(typ, value, url string, frames ...map[string]any) map[string]any {
	return map[string]any{
		"platform": "javascript", "level": "error",
		"request":   map[string]any{"method": "GET", "url": url, "headers": map[string]any{"Cookie": "session=s3cr3t"}},
		"exception": map[string]any{"values": []any{map[string]any{"type": typ, "value": value, "stacktrace": map[string]any{"frames": frames}}}},
	}
}

func frame(file, fn string, line, col int, inApp bool, ctx string) map[string]any {
	return map[string]any{"filename": file, "function": fn, "lineno": line, "colno": col, "in_app": inApp,
		"context_line": ctx, "vars": map[string]any{"token": "should-never-appear"}}
}

// SeedDemo fills the fake with realistic errors for the six seed projects:
// ten unresolved issues (JavaScript, Python and Node), one resolved and one
// muted issue that a sync leaves alone, and one issue whose events were
// evicted.
func (s *Server) SeedDemo(now time.Time) {
	for _, slug := range DemoProjects {
		s.AddProject(slug, slug)
	}
	at := func(h int) time.Time { return now.Add(-time.Duration(h) * time.Hour) }
	s.seedDemoApps(at)
	s.seedDemoMore(at)
}

// seedDemoApps adds the demo's frontend and backend issues.
func (s *Server) seedDemoApps(at func(hoursAgo int) time.Time) {
	s.AddIssue("flyer-crawler-frontend-test", IssueSpec{Type: "TypeError", Value: "t.map is not a function",
		FirstSeen: at(72), LastSeen: at(2), Count: 4,
		Data: jsPayload("TypeError", "t.map is not a function", "https://flyer-crawler-test.projectium.com/",
			frame("webpack:///node_modules/react-dom/cjs/react-dom.production.min.js", "renderWithHooks", 1, 5120, false, ""),
			frame("webpack:///src/components/FlyerList.tsx", "FlyerList", 42, 17, true, "  return flyers.map(f => <Flyer key={f.id} {...f} />)"))})
	s.AddIssue("flyer-crawler-frontend", IssueSpec{Type: "ChunkLoadError", Value: "Loading chunk 731 failed.\n(error: https://flyer-crawler.projectium.com/static/js/731.js)",
		FirstSeen: at(30), LastSeen: at(1), Count: 57,
		Data: jsPayload("ChunkLoadError", "Loading chunk 731 failed.", "https://flyer-crawler.projectium.com/deals?store=12&token=abc123",
			frame("webpack:///webpack/runtime/jsonp chunk loading", "j.f.j", 27, 9, false, ""),
			frame("webpack:///src/routes/Deals.tsx", "loadDeals", 12, 3, true, "const Deals = lazy(() => import('./DealsPage'))"))})
	s.AddIssue("flyer-crawler-frontend", IssueSpec{Type: "Error", Value: "Request failed with status code 502 — ping @oncall about #42",
		FirstSeen: at(6), LastSeen: at(3), Count: 2,
		Data: jsPayload("AxiosError", "Request failed with status code 502 — ping @oncall about #42", "https://flyer-crawler.projectium.com/api/flyers",
			frame("webpack:///src/api/client.ts", "request", 88, 11, true, "throw new ApiError(res.status, body)"))})
	s.AddIssue("flyer-crawler-backend", IssueSpec{Type: "QueryFailedError", Value: `duplicate key value violates unique constraint "flyers_pkey"`,
		FirstSeen: at(50), LastSeen: at(4), Count: 12,
		Data: map[string]any{"platform": "node", "level": "error",
			"request": map[string]any{"method": "POST", "url": "https://api.projectium.com/v1/flyers/import?apiKey=live_9f8e7d"},
			"exception": map[string]any{"values": []any{map[string]any{"type": "QueryFailedError",
				"value": `duplicate key value violates unique constraint "flyers_pkey"`,
				"stacktrace": map[string]any{"frames": []any{
					frame("node_modules/typeorm/driver/postgres/PostgresQueryRunner.js", "PostgresQueryRunner.query", 299, 19, false, ""),
					frame("/srv/app/dist/services/importer.js", "Importer.saveFlyer", 141, 28, true, "await this.repo.insert(flyer);"),
				}}}}}}})
	s.AddIssue("flyer-crawler-backend", IssueSpec{Type: "Log Message", Value: "Crawler queue is backing up: 5120 jobs waiting",
		FirstSeen: at(10), LastSeen: at(1), Count: 31,
		Data: map[string]any{"platform": "node", "level": "warning", "logentry": map[string]any{"message": "Crawler queue is backing up: %d jobs waiting", "formatted": "Crawler queue is backing up: 5120 jobs waiting"}}})
	s.AddIssue("flyer-crawler-backend-test", IssueSpec{Type: "ValueError", Value: "invalid literal for int() with base 10: 'N/A'",
		FirstSeen: at(20), LastSeen: at(5), Count: 3,
		Data: map[string]any{"platform": "python", "level": "error",
			"request": map[string]any{"method": "GET", "url": "https://api-test.projectium.com/v1/prices?store=N/A"},
			"exception": map[string]any{"values": []any{
				map[string]any{"type": "KeyError", "value": "'price'", "stacktrace": map[string]any{"frames": []any{
					frame("crawler/parse.py", "parse_price", 77, 0, true, "raw = item['price']")}}},
				map[string]any{"type": "ValueError", "value": "invalid literal for int() with base 10: 'N/A'", "stacktrace": map[string]any{"frames": []any{
					frame("crawler/worker.py", "run", 31, 0, true, "for item in parse(page):"),
					frame("crawler/parse.py", "parse_price", 80, 0, true, "return int(raw)"),
				}}},
			}}}})
}

// seedDemoMore adds the rest, in order after seedDemoApps: infrastructure,
// hostile text, evicted events, and the issues a sync leaves alone.
func (s *Server) seedDemoMore(at func(hoursAgo int) time.Time) {
	s.AddIssue("flyer-crawler-infrastructure", IssueSpec{Type: "ConnectionError", Value: "Error 111 connecting to redis:6379. Connection refused.",
		FirstSeen: at(100), LastSeen: at(8), Count: 140,
		Data: map[string]any{"platform": "python", "level": "fatal",
			"exception": map[string]any{"values": []any{map[string]any{"type": "ConnectionError", "module": "redis.exceptions",
				"value": "Error 111 connecting to redis:6379. Connection refused.",
				"stacktrace": map[string]any{"frames": []any{
					frame("/usr/lib/python3/site-packages/redis/connection.py", "connect", 707, 0, false, "raise ConnectionError(self._error_message(e))"),
				}}}}}}})
	s.AddIssue("flyer-crawler-test-infrastructure", IssueSpec{Type: "Error", Value: "Disk usage on /var/lib/postgresql above 90% (password=hunter2 in alert config)",
		FirstSeen: at(3), LastSeen: at(1), Count: 1,
		Data: map[string]any{"platform": "other", "level": "warning", "message": "Disk usage on /var/lib/postgresql above 90%"}})
	s.AddIssue("flyer-crawler-frontend-test", IssueSpec{Type: "SecurityError", Value: "<img src=x onerror=alert(1)> | `rm -rf` </details>",
		FirstSeen: at(9), LastSeen: at(7), Count: 2,
		Data: jsPayload("SecurityError", "<img src=x onerror=alert(1)> | `rm -rf` </details>", "https://flyer-crawler-test.projectium.com/login#access_token=leak",
			frame("webpack:///src/auth/login.ts", "submit", 19, 4, true, "document.cookie = `sid=${sid}`"))})
	s.AddIssue("flyer-crawler-backend-test", IssueSpec{Type: "TimeoutError", Value: "Navigation timeout of 30000 ms exceeded",
		FirstSeen: at(48), LastSeen: at(47), Count: 1, NoEvents: true})
	// Left alone by a sync: already resolved, and muted.
	s.AddIssue("flyer-crawler-backend", IssueSpec{Type: "TypeError", Value: "Cannot read properties of undefined (reading 'id')",
		FirstSeen: at(200), LastSeen: at(150), Count: 9, Resolved: true})
	s.AddIssue("flyer-crawler-frontend", IssueSpec{Type: "ResizeObserver loop limit exceeded", Value: "",
		FirstSeen: at(300), LastSeen: at(1), Count: 5000, Muted: true})
}
