package cmd

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"bsync/pkg/syncstate"
)

// heartbeatTimeout bounds each ping; a slow monitor never holds up a run.
const heartbeatTimeout = 5 * time.Second

// heartbeat pings a cron monitor (healthchecks.io conventions): URL/start
// when a run begins, URL on success, URL/fail on failure. Pings never fail
// the sync: a failed ping is logged (without the URL, which is a secret).
type heartbeat struct {
	a   *app
	url string
}

func (h heartbeat) ping(ctx context.Context, suffix, body string) {
	if h.url == "" {
		return
	}
	u, err := url.Parse(h.url)
	if err != nil {
		return
	}
	if suffix != "" {
		u = u.JoinPath(suffix)
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), heartbeatTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), strings.NewReader(body))
	if err != nil {
		return
	}
	req.Header.Set("Content-Type", "text/plain; charset=utf-8")
	req.Header.Set("User-Agent", "bsync/"+h.a.build.Version)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.a.logger().Warn("heartbeat ping failed", "ping", pingName(suffix), "err", redactURLError(err, h.url))
		return
	}
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		h.a.logger().Warn("heartbeat ping refused", "ping", pingName(suffix), "status", resp.StatusCode)
	}
}

func pingName(suffix string) string {
	if suffix == "" {
		return "success"
	}
	return suffix
}

// redactURLError keeps the heartbeat URL (its path and query are the
// check's secret) out of a transport error's text: the request's URL is
// cut to its scheme and host, and any trace of the configured URL's path or
// query left in the cause's text is replaced too.
func redactURLError(err error, raw string) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		shown := "<redacted>"
		if u, perr := url.Parse(ue.URL); perr == nil && u.Host != "" {
			shown = u.Scheme + "://" + u.Host + "/<redacted>"
		}
		err = &url.Error{Op: ue.Op, URL: shown, Err: ue.Err}
	}
	msg := err.Error()
	if u, perr := url.Parse(raw); perr == nil {
		for _, secret := range []string{raw, strings.TrimLeft(u.EscapedPath(), "/"), u.Path, u.RawQuery} {
			if len(secret) > 1 {
				msg = strings.ReplaceAll(msg, secret, "<redacted>")
			}
		}
	}
	return msg
}

// summary is the short text sent with a ping.
func pingSummary(outcome syncstate.Outcome, synced, failed int, err error) string {
	s := fmt.Sprintf("bsync sync: %s; synced %d, failed %d", outcome, synced, failed)
	if err != nil {
		s += "; " + err.Error()
	}
	return s
}
