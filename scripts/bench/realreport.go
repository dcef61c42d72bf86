package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"time"
)

// realPairs is how many pairs the real-Gitea case times, in alternating
// order (-real-pairs).
var realPairs = 4

// pairResult is one pair: bsync's first sync and the bare replays of its
// issues at 1, 4 and 8 connections.
type pairResult struct {
	bsync, bare1, bare4, bare8 realRun
}

// best is the fastest of the bare replays.
func (p pairResult) best() realRun {
	b := p.bare1
	for _, r := range []realRun{p.bare4, p.bare8} {
		if r.wall < b.wall {
			b = r
		}
	}
	return b
}

func (p pairResult) ratio() float64 { return float64(p.bsync.wall) / float64(p.best().wall) }

// runRealGitea runs the real-Gitea case with n issues: a warm-up sync whose
// issues the bare client replays, then realPairs pairs, bsync first in the
// odd ones and last in the even ones. n = 0 skips it.
func runRealGitea(latency time.Duration, n int, peers string) error {
	if n <= 0 {
		return nil
	}
	dir, bin, err := buildBsync("bsync-bench-real-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	g, err := startGitea(peers, filepath.Join(dir, "gitea"))
	if err != nil {
		return err
	}
	defer g.stop()
	g.stopOnSignal(dir)
	idle, err := g.idleRate()
	if err != nil {
		return err
	}
	fmt.Printf("\nreal Gitea (SQLite) on loopback, idle at %.1f ms CPU a second; the Bugsink fake at %s per call; %d CPUs: first syncs of %d issues, and a bare client replaying them\n\n",
		idle, latency, cpuCount(), n)
	printRealHeader()
	warm, c, err := g.bsyncRun(bin, filepath.Join(dir, "warm-up"), latency, n)
	if err != nil {
		return err
	}
	printRealRow("warm-up", warm)
	rp, err := capture(c)
	if err != nil {
		return err
	}
	if len(rp.issues) != n {
		return fmt.Errorf("the warm-up sync left %d issues in Gitea, want %d", len(rp.issues), n)
	}
	var pairs []pairResult
	for i := 0; i < realPairs; i++ {
		p, err := g.pair(bin, filepath.Join(dir, "pair"+strconv.Itoa(i+1)), latency, n, rp, i)
		if err != nil {
			return err
		}
		pairs = append(pairs, p)
	}
	printRealSummary(pairs)
	return g.fixedCost(bin, filepath.Join(dir, "one"), latency, rp)
}

// fixedCost prints what a first sync costs beyond its creates: bsync's
// first sync of one issue against one bare create of the same issue (the
// medians of three each, alternating).
func (g *realGitea) fixedCost(bin, dir string, latency time.Duration, rp *replay) error {
	one := &replay{issues: rp.issues[:1], labels: rp.labels}
	var syncs, bares []float64
	for i := 0; i < 3; i++ {
		s, _, err := g.bsyncRun(bin, dir+strconv.Itoa(i), latency, 1)
		if err != nil {
			return err
		}
		b, err := g.bareRun(one, 1)
		if err != nil {
			return err
		}
		syncs, bares = append(syncs, ms1(s.wall)), append(bares, ms1(b.wall))
	}
	fmt.Printf("first sync of 1 issue (fixed costs: start, listing, labels, marker scan, last resolve): median %.0f ms (%.0f–%.0f), load %s; one bare create: median %.0f ms\n",
		median(syncs), slices.Min(syncs), slices.Max(syncs), loadAvg(), median(bares))
	return nil
}

// pair times the i-th pair (from 0): bsync, then the bare replays at 1, 4
// and 8 connections, or the reverse when i is odd.
func (g *realGitea) pair(bin, dir string, latency time.Duration, n int, rp *replay, i int) (pairResult, error) {
	var p pairResult
	steps := []func() error{
		func() (err error) { p.bsync, _, err = g.bsyncRun(bin, dir, latency, n); return err },
		func() (err error) { p.bare1, err = g.bareRun(rp, 1); return err },
		func() (err error) { p.bare4, err = g.bareRun(rp, 4); return err },
		func() (err error) { p.bare8, err = g.bareRun(rp, 8); return err },
	}
	runs := []*realRun{&p.bsync, &p.bare1, &p.bare4, &p.bare8}
	order := []int{0, 1, 2, 3}
	if i%2 == 1 {
		order = []int{3, 2, 1, 0}
	}
	for _, k := range order {
		if err := steps[k](); err != nil {
			return p, err
		}
		printRealRow("pair "+strconv.Itoa(i+1), *runs[k])
	}
	return p, nil
}

func printRealHeader() {
	fmt.Println("| pair | run | load (1 min) | wall (loaded host) | Gitea busy (cores) | creates/s | Gitea requests per issue | Redis round trips per issue | Gitea CPU per create | Gitea CPU after the run (indexer) | bsync's / the bare client's CPU per issue | Bugsink fake's CPU per issue | Redis CPU | host busy (cores) | of which other work (cores) |")
	fmt.Println("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
}

func printRealRow(pair string, r realRun) {
	n := time.Duration(r.creates)
	cores := func(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d)/float64(r.wall)) }
	standIn := "–"
	if r.standIn > 0 {
		standIn = fmt.Sprintf("%.2f ms", ms1(r.standIn/n))
	}
	giteaCalls, redisTrips := 1.0, "–" // a bare replay sends its creates, and no Redis
	if r.what == "bsync" {
		giteaCalls = float64(r.giteaCalls) / float64(r.creates)
		redisTrips = fmt.Sprintf("%.2f", float64(r.redisTrips)/float64(r.creates))
	}
	fmt.Printf("| %s | %s | %s | %s | %.2f | %.1f | %.2f | %s | %.1f ms | %s | %.2f ms | %s | %s | %s | %s |\n",
		pair, r.what, r.load, ms(r.wall), r.giteaBusy(), float64(r.creates)/r.wall.Seconds(), giteaCalls, redisTrips,
		ms1(r.gitea/n), ms(r.tail), ms1(r.own/n), standIn, ms(r.redis), cores(r.machine), cores(r.others()))
}

// printRealSummary prints each pair's ratio, their median and the median
// CPU figures.
func printRealSummary(pairs []pairResult) {
	if len(pairs) == 0 {
		return
	}
	fmt.Println("\n| pair | bsync (wall, loaded host) | Gitea busy (cores) | best bare replay | Gitea busy (cores) | ratio |\n| --- | --- | --- | --- | --- | --- |")
	var ratios []float64
	var bs, b1, b4, b8 []realRun
	for i, p := range pairs {
		fmt.Printf("| %d | %s | %.2f | %s (%s) | %.2f | %.2f |\n", i+1, ms(p.bsync.wall), p.bsync.giteaBusy(), ms(p.best().wall), p.best().what, p.best().giteaBusy(), p.ratio())
		ratios = append(ratios, p.ratio())
		bs, b1, b4, b8 = append(bs, p.bsync), append(b1, p.bare1), append(b4, p.bare4), append(b8, p.bare8)
	}
	sort.Float64s(ratios)
	fmt.Printf("\nbsync ÷ best bare replay: median %.2f (goal ≤ 1.15), %.2f–%.2f over %d pairs\n",
		median(ratios), ratios[0], ratios[len(ratios)-1], len(ratios))
	per := func(runs []realRun, f func(realRun) time.Duration) float64 {
		var xs []float64
		for _, r := range runs {
			xs = append(xs, ms1(f(r))/float64(r.creates))
		}
		return median(xs)
	}
	cores := func(f func(realRun) time.Duration) float64 {
		var xs []float64
		for _, r := range bs {
			xs = append(xs, float64(f(r))/float64(r.wall))
		}
		return median(xs)
	}
	gt := func(r realRun) time.Duration { return r.gitea }
	own := func(r realRun) time.Duration { return r.own }
	fmt.Printf("Gitea's CPU per create (medians): bsync %.1f ms, bare 8 conn. %.1f ms, bare 4 conn. %.1f ms, bare 1 conn. %.1f ms\n", per(bs, gt), per(b8, gt), per(b4, gt), per(b1, gt))
	busy := func(runs []realRun) float64 {
		var xs []float64
		for _, r := range runs {
			xs = append(xs, r.giteaBusy())
		}
		return median(xs)
	}
	fmt.Printf("Gitea busy (cores, medians; walls measured on this host, loaded or not): bsync %.2f, bare 8 conn. %.2f, bare 4 conn. %.2f, bare 1 conn. %.2f\n",
		busy(bs), busy(b8), busy(b4), busy(b1))
	fmt.Printf("CPU per issue (medians): bsync %.2f ms, the Bugsink fake %.2f ms, Redis %.2f ms; the bare client %.2f ms (4 conn.)\n",
		per(bs, own), per(bs, func(r realRun) time.Duration { return r.standIn }), per(bs, func(r realRun) time.Duration { return r.redis }), per(b4, own))
	fmt.Printf("cores busy during the bsync runs (medians, of %d): Gitea %.2f, bsync %.2f, Bugsink fake %.2f, Redis %.2f, other work %.2f\n",
		cpuCount(), cores(gt), cores(own), cores(func(r realRun) time.Duration { return r.standIn }),
		cores(func(r realRun) time.Duration { return r.redis }), cores(realRun.others))
}

// median of xs, sorted or not.
func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
