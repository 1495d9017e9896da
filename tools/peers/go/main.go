// cadre-peer-go: Cadre's standard workloads (docs/benchmarks.md) written as
// idiomatic Go: one goroutine per actor, one channel per mailbox.
//
// It prints the same JSON Lines as cadre-bench (impl "go") and takes the same
// options: --workers N (GOMAXPROCS), --runs R, --warmups W, --quick, --only
// NAMES and the size options. Each workload does the work cadre-bench's does,
// message for message, and checks its result the same way; secs is the median
// of R runs after W untimed warm-ups (default 1; 0: the process's first run is
// timed), each timed from the first goroutine's start to the completing
// goroutine's signal (wakeup: the rounds only).
//
// Channels are buffered (--chan-cap, default 256) where a sender streams
// messages to a receiver; pingpong and threadring pass one message at a time,
// and big's mailboxes hold W+1 messages, more than can ever be queued, so that
// no actor ever blocks on a send (a bounded mailbox there could deadlock);
// fanout's receivers get min(chan-cap, their share); wakeup's receivers get a
// buffer of 1, so that the send never blocks and wakes the parked receiver.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

const (
	fnvOffset     = 0xcbf29ce484222325
	fnvPrime      = 0x100000001b3
	skynetFanout  = 10
	defaultChanCp = 256
)

type sizes struct {
	pingpongN, countingN, ringR, ringT, faninP, faninN, fjA, fjN, skynetLeaves, bigW, bigM uint64
	fanoutR, fanoutN, wakeupR, wakeupN                                                     uint64
}

var (
	sz      sizes
	chanCap int
)

// One run's measurement.
type sample struct {
	secs   float64
	msgs   uint64
	spawns uint64
	err    error
}

func since(t0 time.Time) float64 { return time.Since(t0).Seconds() }

// ---- pingpong: two goroutines, strictly sequential round trips ----

func pingpong() sample {
	n := sz.pingpongN
	s := sample{msgs: 2 * n, spawns: 2}
	var wg sync.WaitGroup
	done := make(chan error, 1)
	t0 := time.Now()
	wg.Add(1)
	go func() { // ping
		defer wg.Done()
		ping := make(chan uint64, 1)
		pong := make(chan uint64, 1)
		wg.Add(1)
		go func() { // pong
			defer wg.Done()
			for r := range ping {
				pong <- r
				if r == 1 {
					return
				}
			}
		}()
		for left := n; left > 0; left-- {
			ping <- left
			if r := <-pong; r != left {
				close(ping)
				done <- fmt.Errorf("ping: answer %d, expected %d", r, left)
				return
			}
		}
		done <- nil
	}()
	s.err = <-done
	s.secs = since(t0)
	wg.Wait()
	return s
}

// ---- counting: N increments, then a request for the total ----

// A counter message: an increment, or (get != nil) a request for the total.
type cmsg struct{ get chan<- uint64 }

func counting() sample {
	n := sz.countingN
	s := sample{msgs: n + 2, spawns: 2}
	var wg sync.WaitGroup
	done := make(chan error, 1)
	t0 := time.Now()
	wg.Add(1)
	go func() { // producer
		defer wg.Done()
		counter := make(chan cmsg, chanCap)
		wg.Add(1)
		go func() { // counter
			defer wg.Done()
			var c uint64
			for m := range counter {
				if m.get == nil {
					c++
					continue
				}
				m.get <- c
				return
			}
		}()
		for i := uint64(0); i < n; i++ {
			counter <- cmsg{}
		}
		reply := make(chan uint64, 1)
		counter <- cmsg{get: reply}
		if total := <-reply; total != n {
			done <- fmt.Errorf("counting: total %d, expected %d", total, n)
			return
		}
		done <- nil
	}()
	s.err = <-done
	s.secs = since(t0)
	wg.Wait()
	return s
}

// ---- threadring: R goroutines in a ring pass one token T hops ----

type token struct {
	v    uint64 // hops still to go after this one; for an exit: nodes still to stop
	exit bool
}

func threadring() sample {
	r, t := sz.ringR, sz.ringT
	s := sample{msgs: t, spawns: r}
	var wg sync.WaitGroup
	done := make(chan error, 1)
	want := (t - 1) % r
	t0 := time.Now()
	in := make([]chan token, r)
	for i := range in {
		in[i] = make(chan token, 1) // one token at a time
	}
	for i := uint64(0); i < r; i++ {
		wg.Add(1)
		go func(i uint64, in <-chan token, next chan<- token) {
			defer wg.Done()
			for m := range in {
				if m.exit {
					if m.v > 1 {
						next <- token{v: m.v - 1, exit: true}
					}
					return
				}
				if m.v > 0 {
					next <- token{v: m.v - 1}
					continue
				}
				if i != want {
					done <- fmt.Errorf("threadring: token ended at node %d, expected %d", i, want)
				} else {
					done <- nil
				}
				if r > 1 {
					next <- token{v: r - 1, exit: true}
				}
				return
			}
		}(i, in[i], in[(i+1)%r])
	}
	in[0] <- token{v: t - 1} // the last node's first hop
	s.err = <-done
	s.secs = since(t0)
	wg.Wait()
	return s
}

// ---- fanin: P producers each send N items to one sink ----

type item struct {
	producer uint32
	seq      uint64
}

func fanin() sample {
	p, n := sz.faninP, sz.faninN
	s := sample{msgs: p * n, spawns: p + 1}
	var wg sync.WaitGroup
	done := make(chan error, 1)
	next := make([]uint64, p)
	t0 := time.Now()
	wg.Add(1)
	go func() { // the sink
		defer wg.Done()
		sink := make(chan item, chanCap)
		for i := uint64(0); i < p; i++ {
			wg.Add(1)
			go func(id uint32) {
				defer wg.Done()
				for q := uint64(0); q < n; q++ {
					sink <- item{producer: id, seq: q}
				}
			}(uint32(i))
		}
		total := p * n
		for c := uint64(0); c < total; c++ {
			it := <-sink
			if uint64(it.producer) >= p || it.seq != next[it.producer] {
				done <- fmt.Errorf("sink: producer %d seq %d out of order", it.producer, it.seq)
				for ; c < total; c++ { // let the producers finish
					<-sink
				}
				return
			}
			next[it.producer]++
		}
		done <- nil
	}()
	s.err = <-done
	s.secs = since(t0)
	wg.Wait()
	for i := range next {
		if s.err == nil && next[i] != n {
			s.err = fmt.Errorf("fanin: producer %d: %d of %d received", i, next[i], n)
		}
	}
	return s
}

// ---- fjthrput: one sender, A workers round-robin, each folds a hash ----

func fjMix(h, v uint64) uint64 { return (h ^ v) * fnvPrime }

func fjthrput() sample {
	a, n := sz.fjA, sz.fjN
	s := sample{msgs: a*n + a, spawns: a + 1}
	expect := uint64(fnvOffset)
	for i := uint64(0); i < n; i++ {
		expect = fjMix(expect, i)
	}
	var wg sync.WaitGroup
	done := make(chan error, 1)
	t0 := time.Now()
	wg.Add(1)
	go func() { // the sender
		defer wg.Done()
		answers := make(chan uint64, a)
		work := make([]chan uint64, a)
		for i := range work {
			work[i] = make(chan uint64, chanCap)
			wg.Add(1)
			go func(in <-chan uint64) {
				defer wg.Done()
				h := uint64(fnvOffset)
				for next := uint64(0); next < n; next++ {
					seq := <-in
					if seq != next {
						h = 0 // reported as a wrong hash
					}
					h = fjMix(h, seq)
				}
				answers <- h
			}(work[i])
		}
		for seq := uint64(0); seq < n; seq++ {
			for _, w := range work {
				w <- seq
			}
		}
		var err error
		for i := uint64(0); i < a; i++ {
			if h := <-answers; h != expect && err == nil {
				err = fmt.Errorf("fjthrput: a worker's hash is %016x, expected %016x", h, expect)
			}
		}
		done <- err
	}()
	s.err = <-done
	s.secs = since(t0)
	wg.Wait()
	return s
}

// ---- fanout: one sender, N messages round-robin to R receivers ----

// Receiver i's share of n messages over r receivers.
func fanoutShare(n, r, i uint64) uint64 {
	if i < n%r {
		return n/r + 1
	}
	return n / r
}

type foDone struct{ index, count uint64 }

func fanout() sample {
	r, n := sz.fanoutR, sz.fanoutN
	s := sample{msgs: n + r, spawns: r + 1}
	var wg sync.WaitGroup
	done := make(chan error, 1)
	t0 := time.Now()
	wg.Add(1)
	go func() { // the sender
		defer wg.Done()
		answers := make(chan foDone, r)
		in := make([]chan uint64, r)
		for i := range in {
			// A receiver never holds more than its share: no bigger buffer
			// (with R = 1,000,000 receivers, 256 each would be 2 GB).
			c := uint64(chanCap)
			if share := fanoutShare(n, r, uint64(i)); share < c {
				c = share
			}
			in[i] = make(chan uint64, c)
			wg.Add(1)
			go func(i uint64, in <-chan uint64) {
				defer wg.Done()
				share := fanoutShare(n, r, i)
				var count uint64
				for count < share {
					if seq := <-in; seq != count {
						break // reported as a wrong count
					}
					count++
				}
				answers <- foDone{i, count}
			}(uint64(i), in[i])
		}
		var seq uint64
		for k := uint64(0); k < n; seq++ {
			for i := uint64(0); i < r && k < n; i, k = i+1, k+1 {
				in[i] <- seq
			}
		}
		var err error
		var sum uint64
		for i := uint64(0); i < r; i++ {
			d := <-answers
			sum += d.count
			if want := fanoutShare(n, r, d.index); d.count != want && err == nil {
				err = fmt.Errorf("fanout: receiver %d got %d messages, expected %d", d.index, d.count, want)
			}
		}
		if err == nil && sum != n {
			err = fmt.Errorf("fanout: the receivers got %d messages, expected %d", sum, n)
		}
		done <- err
	}()
	s.err = <-done
	s.secs = since(t0)
	wg.Wait()
	return s
}

// ---- wakeup: one driver wakes R idle receivers, one send each, N rounds ----
//
// The receivers are started and parked in a channel receive before the
// clock starts. A round: the driver sends the round number to each
// receiver (a buffered channel of 1, so the send never blocks: it hands
// the value to the parked receiver and makes it runnable); each receiver
// checks it and counts the round down; the last one tells the driver.
// secs / (R x N) is the cost of one wake-up.

func wakeup() sample {
	r, n := sz.wakeupR, sz.wakeupN
	s := sample{msgs: r * n, spawns: r}
	var wg sync.WaitGroup
	var started, left atomic.Int64
	var bad atomic.Uint64
	roundDone := make(chan struct{}, 1)
	in := make([]chan uint64, r)
	for i := range in {
		in[i] = make(chan uint64, 1)
		wg.Add(1)
		go func(in <-chan uint64) {
			defer wg.Done()
			started.Add(1)
			var round uint64
			for v := range in {
				if v != round {
					bad.Add(1)
				}
				round++
				if left.Add(-1) == 0 {
					roundDone <- struct{}{}
				}
			}
		}(in[i])
	}
	for started.Load() < int64(r) {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond) // let the last ones park
	t0 := time.Now()
	for round := uint64(0); round < n; round++ {
		left.Store(int64(r))
		for _, c := range in {
			c <- round
		}
		<-roundDone
	}
	s.secs = since(t0)
	for _, c := range in {
		close(c)
	}
	wg.Wait()
	if b := bad.Load(); b != 0 {
		s.err = fmt.Errorf("wakeup: %d wakes carried the wrong round", b)
	}
	return s
}

// ---- skynet: a 10-ary tree of goroutines; leaves send their ordinal ----

func skynetNode(num, size uint64, parent chan<- uint64) {
	if size == 1 {
		parent <- num
		return
	}
	child := size / skynetFanout
	replies := make(chan uint64, skynetFanout)
	for i := uint64(0); i < skynetFanout; i++ {
		go skynetNode(num+i*child, child, replies)
	}
	var sum uint64
	for i := 0; i < skynetFanout; i++ {
		sum += <-replies
	}
	parent <- sum
}

func skynet() sample {
	l := sz.skynetLeaves
	var spawns uint64
	for k := l; k >= 1; k /= skynetFanout {
		spawns += k
	}
	s := sample{msgs: spawns - 1, spawns: spawns}
	root := make(chan uint64, 1)
	t0 := time.Now()
	go skynetNode(0, l, root)
	sum := <-root
	s.secs = since(t0)
	if sum != l*(l-1)/2 {
		s.err = fmt.Errorf("skynet: sum %d, expected %d", sum, l*(l-1)/2)
	}
	return s
}

// ---- big: W actors ping random neighbours, which answer with a pong ----

const (
	bigStart = iota
	bigPing
	bigPong
	bigDone
	bigStop
)

type bmsg struct {
	kind uint8
	from uint32
	v    uint64
}

func splitmix64(x uint64) uint64 {
	x += 0x9E3779B97F4A7C15
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9
	x = (x ^ (x >> 27)) * 0x94D049BB133111EB
	return x ^ (x >> 31)
}

func big() sample {
	w, m := sz.bigW, sz.bigM
	s := sample{msgs: 2*w*m + 2*w, spawns: w + 1}
	var wg sync.WaitGroup
	var answeredAll, stopped atomic.Uint64
	var failed atomic.Value
	done := make(chan error, 1)
	t0 := time.Now()
	wg.Add(1)
	go func() { // the driver
		defer wg.Done()
		toDriver := make(chan bmsg, w)
		mbox := make([]chan bmsg, w)
		for i := range mbox {
			// At most W-1 pings, one pong and a start or a stop are ever
			// queued: sends never block.
			mbox[i] = make(chan bmsg, w+1)
		}
		for i := uint64(0); i < w; i++ {
			wg.Add(1)
			go func(me uint32) {
				defer wg.Done()
				in := mbox[me]
				rng := splitmix64(uint64(me)) | 1
				var sent, answered uint64
				target := me
				ping := func() {
					j := me
					if w > 1 { // xorshift64*
						rng ^= rng >> 12
						rng ^= rng << 25
						rng ^= rng >> 27
						j = uint32(((rng * 0x2545F4914F6CDD1D) >> 32) % (w - 1))
						if j >= me {
							j++
						}
					}
					target = j
					mbox[j] <- bmsg{kind: bigPing, from: me, v: sent}
					sent++
				}
				for msg := range in {
					switch msg.kind {
					case bigStart:
						ping()
					case bigPing:
						answered++
						mbox[msg.from] <- bmsg{kind: bigPong, from: me, v: msg.v}
					case bigPong:
						if sent == 0 || msg.v != sent-1 || msg.from != target {
							failed.CompareAndSwap(nil, fmt.Sprintf("big: actor %d: pong %d, expected %d", me, msg.v, sent-1))
						}
						if sent < m {
							ping()
						} else {
							toDriver <- bmsg{kind: bigDone, from: me, v: sent}
						}
					case bigStop:
						answeredAll.Add(answered)
						stopped.Add(1)
						return
					}
				}
			}(uint32(i))
		}
		for i := range mbox {
			mbox[i] <- bmsg{kind: bigStart, from: uint32(w)}
		}
		var pings uint64
		for i := uint64(0); i < w; i++ {
			pings += (<-toDriver).v
		}
		if pings != w*m {
			done <- fmt.Errorf("big: %d pings done, expected %d", pings, w*m)
		} else {
			done <- nil
		}
		for i := range mbox {
			mbox[i] <- bmsg{kind: bigStop, from: uint32(w)}
		}
	}()
	s.err = <-done
	s.secs = since(t0)
	wg.Wait()
	if f := failed.Load(); f != nil && s.err == nil {
		s.err = fmt.Errorf("%s", f.(string))
	}
	if s.err == nil && (answeredAll.Load() != w*m || stopped.Load() != w) {
		s.err = fmt.Errorf("big: %d pings answered (expected %d), %d actors stopped (expected %d)",
			answeredAll.Load(), w*m, stopped.Load(), w)
	}
	return s
}

// ---- the runner ----

type workload struct {
	name string
	fn   func() sample
	size func() string
}

func median(v []float64) float64 {
	sort.Float64s(v)
	n := len(v)
	if n == 0 {
		return 0
	}
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}

func main() {
	workers := flag.Int("workers", 2, "worker threads (GOMAXPROCS)")
	runs := flag.Int("runs", 5, "timed runs after the warm-ups; secs is their median")
	warmups := flag.Int("warmups", 1, "untimed runs first (0: the process's first run is timed)")
	quick := flag.Bool("quick", false, "divide the sizes marked * by 10")
	only := flag.String("only", "", "comma-separated workloads: pingpong,counting,threadring,fanin,fjthrput,fanout,skynet,big; wakeup (only when named)")
	flag.IntVar(&chanCap, "chan-cap", defaultChanCp, "buffer of the channels that stream messages")
	type szOpt struct {
		name  string
		p     *uint64
		dflt  uint64
		min   uint64
		quick bool
		help  string
	}
	opts := []szOpt{
		{"pingpong-n", &sz.pingpongN, 1000000, 1, true, "pingpong: round trips *"},
		{"counting-n", &sz.countingN, 10000000, 1, true, "counting: increments *"},
		{"threadring-r", &sz.ringR, 503, 1, false, "threadring: actors"},
		{"threadring-t", &sz.ringT, 10000000, 1, true, "threadring: hops *"},
		{"fanin-p", &sz.faninP, 8, 1, false, "fanin: producers"},
		{"fanin-n", &sz.faninN, 2000000, 1, true, "fanin: messages per producer *"},
		{"fjthrput-a", &sz.fjA, 60, 1, false, "fjthrput: actors"},
		{"fjthrput-n", &sz.fjN, 1000000, 1, true, "fjthrput: messages per actor *"},
		{"fanout-r", &sz.fanoutR, 1000, 1, false, "fanout: receivers"},
		{"fanout-n", &sz.fanoutN, 10000000, 1, true, "fanout: messages in all (at least fanout-r) *"},
		{"wakeup-r", &sz.wakeupR, 100000, 1, false, "wakeup: idle receivers"},
		{"wakeup-n", &sz.wakeupN, 100, 1, true, "wakeup: rounds (one wake each) *"},
		{"skynet-leaves", &sz.skynetLeaves, 1000000, 10, true, "skynet: leaves, a power of 10 *"},
		{"big-w", &sz.bigW, 1000, 1, false, "big: actors"},
		{"big-m", &sz.bigM, 2000, 1, true, "big: pings per actor *"},
	}
	for _, o := range opts {
		flag.Uint64Var(o.p, o.name, o.dflt, o.help)
	}
	flag.Parse()
	if flag.NArg() > 0 || *workers < 1 || *runs < 1 || *warmups < 0 || chanCap < 0 {
		fmt.Fprintf(os.Stderr, "cadre-peer-go: bad arguments\n")
		flag.Usage()
		os.Exit(2)
	}
	for _, o := range opts {
		if *quick && o.quick {
			*o.p /= 10
		}
		if *o.p < o.min {
			*o.p = o.min
		}
	}
	for l := sz.skynetLeaves; l != 1; l /= skynetFanout {
		if l%skynetFanout != 0 {
			fmt.Fprintf(os.Stderr, "cadre-peer-go: --skynet-leaves must be a power of 10\n")
			os.Exit(2)
		}
	}
	if sz.fanoutR > 1000000 || sz.fanoutN < sz.fanoutR {
		fmt.Fprintf(os.Stderr, "cadre-peer-go: --fanout-r must be 1..1000000 and at most --fanout-n\n")
		os.Exit(2)
	}
	runtime.GOMAXPROCS(*workers)

	all := []workload{
		{"pingpong", pingpong, func() string { return fmt.Sprintf("N=%d", sz.pingpongN) }},
		{"counting", counting, func() string { return fmt.Sprintf("N=%d", sz.countingN) }},
		{"threadring", threadring, func() string { return fmt.Sprintf("R=%d T=%d", sz.ringR, sz.ringT) }},
		{"fanin", fanin, func() string { return fmt.Sprintf("P=%d N=%d", sz.faninP, sz.faninN) }},
		{"fjthrput", fjthrput, func() string { return fmt.Sprintf("A=%d N=%d", sz.fjA, sz.fjN) }},
		{"fanout", fanout, func() string { return fmt.Sprintf("R=%d N=%d", sz.fanoutR, sz.fanoutN) }},
		{"skynet", skynet, func() string { return fmt.Sprintf("leaves=%d", sz.skynetLeaves) }},
		{"big", big, func() string { return fmt.Sprintf("W=%d M=%d", sz.bigW, sz.bigM) }},
		{"wakeup", wakeup, func() string { return fmt.Sprintf("R=%d rounds=%d", sz.wakeupR, sz.wakeupN) }},
	}
	selected := map[string]bool{}
	if *only != "" {
		for _, name := range strings.Split(*only, ",") {
			found := false
			for _, wl := range all {
				found = found || wl.name == name
			}
			if !found {
				fmt.Fprintf(os.Stderr, "cadre-peer-go: unknown workload %q\n", name)
				os.Exit(2)
			}
			selected[name] = true
		}
	}

	allOK := true
	for _, wl := range all {
		if len(selected) > 0 && !selected[wl.name] || len(selected) == 0 && wl.name == "wakeup" {
			continue
		}
		ok := true
		var secs []float64
		var last sample
		for i := 0; i < *warmups+*runs && ok; i++ {
			warmUp := i < *warmups
			if warmUp {
				fmt.Fprintf(os.Stderr, "%s (%s, workers %d): warm-up %d/%d\n", wl.name, wl.size(), *workers, i+1, *warmups)
			} else {
				fmt.Fprintf(os.Stderr, "%s (%s, workers %d): run %d/%d\n", wl.name, wl.size(), *workers, i-*warmups+1, *runs)
			}
			runtime.GC() // the previous run's garbage is not this run's
			last = wl.fn()
			if last.err != nil {
				fmt.Fprintf(os.Stderr, "%s: FAILED: %v\n", wl.name, last.err)
				ok = false
			}
			if !warmUp || !ok {
				secs = append(secs, last.secs)
			}
		}
		med := median(secs)
		mps, sps := 0.0, 0.0
		check := "fail"
		if ok && med > 0 {
			mps = float64(last.msgs) / med
			sps = float64(last.spawns) / med
			check = "ok"
		}
		allOK = allOK && ok
		extra := ""
		if wl.name == "skynet" {
			extra = fmt.Sprintf(",\"spawns\":%d,\"sps\":%.1f", last.spawns, sps)
		}
		if wl.name == "fanout" {
			extra = fmt.Sprintf(",\"receivers\":%d", sz.fanoutR)
		}
		if wl.name == "wakeup" {
			ns := 0.0
			if ok && last.msgs > 0 {
				ns = med * 1e9 / float64(last.msgs)
			}
			extra = fmt.Sprintf(",\"receivers\":%d,\"ns_per_wakeup\":%.1f", sz.wakeupR, ns)
		}
		fmt.Printf("{\"bench\":\"%s\",\"impl\":\"go\",\"workers\":%d,\"msgs\":%d,\"secs\":%.6f,\"mps\":%.1f,"+
			"\"runs\":%d,\"warmups\":%d,\"stat\":\"median\",\"check\":\"%s\"%s,\"min_secs\":%.6f,\"max_secs\":%.6f}\n",
			wl.name, *workers, last.msgs, med, mps, len(secs), *warmups, check, extra, secs[0], secs[len(secs)-1])
		fmt.Fprintf(os.Stderr, "%-10s w%d %-22s %9.3f Mmsg/s  median %.4f s [%.4f .. %.4f]  %s\n",
			wl.name, *workers, wl.size(), mps/1e6, med, secs[0], secs[len(secs)-1], check)
	}
	if !allOK {
		os.Exit(1)
	}
}
