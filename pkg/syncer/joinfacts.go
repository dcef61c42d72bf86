package syncer

import (
	"context"
	"strings"

	"bsync/pkg/envlink"
	"bsync/pkg/gitea"
	"bsync/pkg/render"
)

// bugIssueFactsOf reads what decideBug judges a join by: the bug's Gitea
// issue's state and close, the environments its env:* labels and hidden
// lines name (each but the joining issue's own: a forgotten issue's lines
// stay), and when the bug was filed (its earliest recorded member's
// synced_at, else the Gitea issue's creation). It only reads.
func (w *writer) bugIssueFactsOf(ctx context.Context, gi *gitea.Issue, self string, members map[string]string) (*bugIssueFacts, error) {
	f := &bugIssueFacts{closed: gi.State == "closed", close: closeKey(gi), wontFix: wontFix(gi.Labels, w.Opts.WontFixLabels)}
	ids := make([]string, 0, len(members))
	for id := range members {
		if id != self {
			ids = append(ids, id)
		}
	}
	states, err := w.State.LookupState(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, st := range states {
		if rec := st.Entry.Record; rec != nil && (f.filed.IsZero() || rec.SyncedAt.Before(f.filed)) {
			f.filed = rec.SyncedAt
		}
	}
	if f.filed.IsZero() {
		f.filed = gi.CreatedAt
	}
	for _, l := range gi.Labels {
		if strings.HasPrefix(l.Name, envlink.EnvPrefix) {
			f.envs = append(f.envs, strings.TrimPrefix(l.Name, envlink.EnvPrefix))
		}
	}
	for _, m := range render.ReEnvLine.FindAllStringSubmatch(gi.Body, -1) {
		if m[1] != self {
			f.envs = append(f.envs, m[2])
		}
	}
	return f, nil
}
