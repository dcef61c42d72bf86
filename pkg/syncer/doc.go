// Package syncer is the sync pass: it turns every unresolved Bugsink issue
// of the selected projects into a Gitea issue, once, and follows it after.
// It knows nothing about the command line.
//
// An Engine holds what a sync is given (the clients, the state store, the
// code index, the options, the clock, the logger). Engine.Run makes one
// pass, a value of its own that holds what the pass learns and changes,
// and returns its Report. One Bugsink issue goes through these stages,
// each in the file named for it:
//
//	list     list.go      a project's issues in full or since its watermark
//	                      (pass.go plans which, prime.go reads ahead), plus
//	                      its leftovers (leftovers.go); each issue taken up
//	                      once per run (taken.go)
//	decide   decide.go    one pure function of what is known of the issue
//	                      (its row, mapping, event, Gitea issue, bug) says
//	                      what it needs: create, join (a return after a
//	                      close, too), adopt, defer, skip, resolve again,
//	                      respect a person's reopen, recur quietly, report
//	                      a regression or await its fix
//	fix      fix.go       for a return after a close: the commit that
//	                      closed the Gitea issue, and whether the releases
//	                      it came back from contain it
//	prepare  prepare.go   read the newest event, render the Gitea issue,
//	                      find its bug (code.go: code links and owners)
//	claim    claim.go     reserve the create in the state; claim the bug, or
//	                      find the Gitea issue it joins
//	write    write.go     create the Gitea issue, or join it (label, row,
//	                      the escape comment); for a return, the figures,
//	                      the regression comment and the reopen (revisit.go)
//	record   record.go    the mapping, as soon as the Gitea issue exists
//	resolve  resolve.go   resolve the issue in Bugsink, leave the back-link
//
// lifecycle.go carries a new issue through the stages and revisit.go a
// mapped one; page.go and pipeline.go run a page's issues side by side,
// so that Gitea never waits on Bugsink (event reads run ahead of the
// creates, resolves behind them); every stage reports what happened to the
// issue as an outcome (outcome.go). Every step can be repeated after a
// crash without writing twice.
package syncer
