// Command load is a load harness for `tsa serve`: it starts the real binary on a free loopback
// port with a fresh data directory, opens websocket clients that track keywords, schedules a
// recording, and measures ingest rate, matching rate, server CPU and memory, window delivery
// latency, dropped messages and recorded posts. See README.md in this directory.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/coder/websocket"
)

type config struct {
	bin         string
	mode        string
	rate        int
	share       float64
	clients     int
	perClient   int
	pool        []string
	recordKW    int
	warmup      time.Duration
	duration    time.Duration
	window      time.Duration
	runs        int
	dialPar     int
	analyzer    string
	keep        bool
	settle      time.Duration
	countPosts  bool
	serverExtra string
}

func main() {
	var c config
	var pool string
	flag.StringVar(&c.bin, "bin", "bin/tsa", "path of the tsa binary")
	flag.StringVar(&c.mode, "mode", "throughput", "throughput (C clients, recording, rates) or idle (many clients, low rate, memory and connect time)")
	flag.IntVar(&c.rate, "rate", 150000, "synth posts per second")
	flag.Float64Var(&c.share, "share", 0.3, "synth share: fraction of posts about a tracked keyword")
	flag.IntVar(&c.clients, "clients", 100, "websocket clients")
	flag.IntVar(&c.perClient, "k", 3, "keywords tracked by each client")
	flag.StringVar(&pool, "pool", "tesla,golang,kubernetes,bitcoin,olympics,netflix,spotify,nvidia,playstation,wimbledon", "keyword pool, comma-separated")
	flag.IntVar(&c.recordKW, "record", 3, "the recording takes the first N keywords of the pool (0: no recording); with share 0.3 and 10 keywords, 3 capture about a tenth of the posts")
	flag.DurationVar(&c.warmup, "warmup", 10*time.Second, "warm-up before measuring")
	flag.DurationVar(&c.duration, "duration", 60*time.Second, "measurement length")
	flag.DurationVar(&c.window, "window", 3*time.Second, "server --window")
	flag.IntVar(&c.runs, "runs", 1, "repeat the whole run (fresh server each time) and print medians")
	flag.IntVar(&c.dialPar, "dial-parallel", 64, "concurrent websocket dials")
	flag.StringVar(&c.analyzer, "analyzer", "", "server --analyzer (empty: the default)")
	flag.BoolVar(&c.keep, "keep", false, "keep the temp data dir and server log")
	flag.DurationVar(&c.settle, "settle", 0, "wait after the recording's end before counting its posts (default 2 windows + 2s)")
	flag.BoolVar(&c.countPosts, "count-posts", true, "page through GET /api/recordings/{id}/posts to count recorded posts")
	flag.StringVar(&c.serverExtra, "server-args", "", "extra server flags, space-separated")
	flag.Parse()
	c.pool = splitComma(pool)
	if c.mode == "idle" {
		// Idle defaults, unless given: 10,000 clients × 3 keywords at a low rate, no recording.
		set := map[string]bool{}
		flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
		def := func(name string, apply func()) {
			if !set[name] {
				apply()
			}
		}
		def("clients", func() { c.clients = 10000 })
		def("rate", func() { c.rate = 100 })
		def("record", func() { c.recordKW = 0 })
		def("warmup", func() { c.warmup = 5 * time.Second })
		def("duration", func() { c.duration = 20 * time.Second })
		def("dial-parallel", func() { c.dialPar = 200 })
	}
	if c.settle == 0 {
		c.settle = 2*c.window + 2*time.Second
	}
	if c.mode != "throughput" && c.mode != "idle" {
		fatalf("unknown -mode %q", c.mode)
	}
	if c.perClient > len(c.pool) || c.recordKW > len(c.pool) {
		fatalf("-k and -record must not exceed the pool size %d", len(c.pool))
	}
	soft, hard := raiseNofile()
	fmt.Printf("# fd limit (harness, inherited by the server): soft %d hard %d\n", soft, hard)
	fmt.Printf("# command: %s\n", strings.Join(os.Args, " "))

	var results []result
	for i := 0; i < c.runs; i++ {
		r, err := run(c, i+1)
		if err != nil {
			fatalf("run %d: %v", i+1, err)
		}
		results = append(results, r)
		r.print(fmt.Sprintf("run %d", i+1))
	}
	if c.runs > 1 {
		median(results).print(fmt.Sprintf("median of %d", c.runs))
	}
}

func fatalf(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "load: "+format+"\n", a...)
	os.Exit(1)
}

func splitComma(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// raiseNofile sets RLIMIT_NOFILE's soft limit to the hard limit; the server started later inherits it.
func raiseNofile() (uint64, uint64) {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 0, 0
	}
	rl.Cur = rl.Max
	_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl)
	_ = syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl)
	return rl.Cur, rl.Max
}

type result struct {
	Configured             float64 // posts/s asked for
	InPerSec               float64
	MatchedPerSec          float64
	Cores                  float64
	HarnessCores           float64 // CPU of the harness itself (the clients), same period
	CoresMetric            float64 // the same from /metrics process_cpu_seconds_total, as a cross-check
	CPUPer10k              float64 // CPU seconds per second per 10,000 posts/s ingested
	HWMMiB                 float64
	RSSMiB                 float64
	LatP50, LatP99, LatMax float64 // ms
	Windows                float64
	Dropped                float64 // {"type":"dropped"} counts summed over clients
	DroppedMetric          float64
	Recorded               float64 // posts from GET /api/recordings/{id}/posts
	RecordedWin            float64 // sum of window counts of the recording
	ConnectSec             float64
	Clients                float64
	Load1                  float64 // mean of /proc/loadavg's 1-minute figure during the measurement
	ServerNofile           string
}

func (r result) print(label string) {
	fmt.Printf("%s: configured %.0f/s, ingested %.0f posts/s, matched %.0f/s, server CPU %.2f cores (/metrics: %.2f) (%.3f CPU-s/s per 10k posts/s), harness CPU %.2f cores, VmHWM %.0f MiB, VmRSS %.0f MiB, "+
		"window latency p50 %.1f ms p99 %.1f ms max %.1f ms over %.0f windows, dropped %.0f (metric %.0f), recorded posts %.0f (window counts %.0f), "+
		"%.0f clients connected+tracking in %.2f s, load1 %.2f, server fd limit %s\n",
		label, r.Configured, r.InPerSec, r.MatchedPerSec, r.Cores, r.CoresMetric, r.CPUPer10k, r.HarnessCores, r.HWMMiB, r.RSSMiB,
		r.LatP50, r.LatP99, r.LatMax, r.Windows, r.Dropped, r.DroppedMetric, r.Recorded, r.RecordedWin,
		r.Clients, r.ConnectSec, r.Load1, r.ServerNofile)
}

func median(rs []result) result {
	var out result
	fields := []func(*result) *float64{
		func(r *result) *float64 { return &r.Configured }, func(r *result) *float64 { return &r.InPerSec },
		func(r *result) *float64 { return &r.MatchedPerSec }, func(r *result) *float64 { return &r.Cores }, func(r *result) *float64 { return &r.CoresMetric },
		func(r *result) *float64 { return &r.HarnessCores },
		func(r *result) *float64 { return &r.CPUPer10k }, func(r *result) *float64 { return &r.HWMMiB },
		func(r *result) *float64 { return &r.RSSMiB }, func(r *result) *float64 { return &r.LatP50 },
		func(r *result) *float64 { return &r.LatP99 }, func(r *result) *float64 { return &r.LatMax },
		func(r *result) *float64 { return &r.Windows }, func(r *result) *float64 { return &r.Dropped },
		func(r *result) *float64 { return &r.DroppedMetric }, func(r *result) *float64 { return &r.Recorded },
		func(r *result) *float64 { return &r.RecordedWin }, func(r *result) *float64 { return &r.ConnectSec },
		func(r *result) *float64 { return &r.Clients }, func(r *result) *float64 { return &r.Load1 },
	}
	for _, f := range fields {
		v := make([]float64, len(rs))
		for i := range rs {
			v[i] = *f(&rs[i])
		}
		sort.Float64s(v)
		m := v[len(v)/2]
		if len(v)%2 == 0 {
			m = (v[len(v)/2-1] + v[len(v)/2]) / 2
		}
		*f(&out) = m
	}
	out.ServerNofile = rs[0].ServerNofile
	return out
}

// server is one started tsa serve process.
type server struct {
	cmd   *exec.Cmd
	base  string
	host  string
	token string
	dir   string
	done  chan error
}

func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func startServer(c config, rate int) (*server, error) {
	dir, err := os.MkdirTemp("", "tsa-load-")
	if err != nil {
		return nil, err
	}
	addr, err := freePort()
	if err != nil {
		return nil, err
	}
	src := fmt.Sprintf("synth://?rate=%d&seed=1&share=%g", rate, c.share)
	args := []string{"serve", "--data", dir, "--addr", addr, "--window", c.window.String(), "--source", src}
	if c.analyzer != "" {
		args = append(args, "--analyzer", c.analyzer)
	}
	if c.serverExtra != "" {
		args = append(args, strings.Fields(c.serverExtra)...)
	}
	logf, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(c.bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	// The server dies with the harness, even if the harness is interrupted.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	fmt.Printf("# server pid %d: %s %s\n", cmd.Process.Pid, c.bin, strings.Join(args, " "))
	s := &server{cmd: cmd, base: "http://" + addr, host: addr, dir: dir, done: make(chan error, 1)}
	go func() { s.done <- cmd.Wait(); logf.Close() }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case err := <-s.done:
			s.done <- err
			return nil, fmt.Errorf("server exited: %v (log in %s)", err, dir)
		default:
		}
		if b, err := os.ReadFile(filepath.Join(dir, "admin-token")); err == nil && len(bytes.TrimSpace(b)) > 0 {
			if resp, err := http.Get(s.base + "/healthz"); err == nil {
				resp.Body.Close()
				if resp.StatusCode == 200 {
					s.token = string(bytes.TrimSpace(b))
					return s, nil
				}
			}
		}
		if time.Now().After(deadline) {
			s.stop(false)
			return nil, fmt.Errorf("server not ready after 30s (log in %s)", dir)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (s *server) stop(keep bool) {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
	if keep {
		fmt.Printf("# kept %s\n", s.dir)
	} else {
		os.RemoveAll(s.dir)
	}
}

func (s *server) request(method, path string, body any, out any) error {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.base+path, rd)
	req.Header.Set("Authorization", "Bearer "+s.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

// metrics sums the samples of the named counters in /metrics (over all labels).
func (s *server) metrics(names ...string) (map[string]float64, error) {
	resp, err := http.Get(s.base + "/metrics")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		for _, n := range names {
			if strings.HasPrefix(line, n) && (len(line) > len(n) && (line[len(n)] == ' ' || line[len(n)] == '{')) {
				f := strings.Fields(line)
				v, err := strconv.ParseFloat(f[len(f)-1], 64)
				if err == nil {
					out[n] += v
				}
			}
		}
	}
	return out, sc.Err()
}

// procCPU is utime+stime of pid in seconds.
func procCPU(pid int) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	f := strings.Fields(s[i+2:]) // f[0] is field 3 (state)
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100, nil // USER_HZ is 100 on Linux
}

// selfCPU is the harness's own user+system CPU time in seconds.
func selfCPU() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// procStatus returns VmHWM and VmRSS of pid in MiB.
func procStatus(pid int) (hwm, rss float64) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		v, _ := strconv.ParseFloat(f[1], 64)
		switch f[0] {
		case "VmHWM:":
			hwm = v / 1024
		case "VmRSS:":
			rss = v / 1024
		}
	}
	return
}

func procNofile(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/limits", pid))
	if err != nil {
		return "?"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "Max open files") {
			f := strings.Fields(line)
			if len(f) >= 5 {
				return f[3] + "/" + f[4]
			}
		}
	}
	return "?"
}

func load1() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	v, _ := strconv.ParseFloat(strings.Fields(string(b))[0], 64)
	return v
}

// client is one websocket connection and what it saw while measuring.
type client struct {
	conn    *websocket.Conn
	lat     []float64 // ms, window messages received while measuring
	dropped int64
	errs    int64
}

type counters struct {
	measuring atomic.Bool
}

func (s *server) dial(ctx context.Context, kws []string, cnt *counters) (*client, error) {
	h := http.Header{}
	h.Set("Authorization", "Bearer "+s.token)
	h.Set("Origin", s.base)
	u := url.URL{Scheme: "ws", Host: s.host, Path: "/ws"}
	dctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(dctx, u.String(), &websocket.DialOptions{HTTPHeader: h, CompressionMode: websocket.CompressionDisabled})
	if err != nil {
		return nil, err
	}
	conn.SetReadLimit(1 << 22)
	msg, _ := json.Marshal(map[string]any{"type": "track", "keywords": kws})
	if err := conn.Write(dctx, websocket.MessageText, msg); err != nil {
		conn.CloseNow()
		return nil, err
	}
	return &client{conn: conn}, nil
}

// read consumes messages until ctx ends; it calls tracked once on the "tracking" answer.
func (cl *client) read(ctx context.Context, cnt *counters, tracked func()) {
	var once sync.Once
	defer once.Do(tracked)
	var m struct {
		Type  string `json:"type"`
		End   string `json:"end"`
		Count int64  `json:"count"`
		Code  string `json:"code"`
	}
	for {
		_, b, err := cl.conn.Read(ctx)
		now := time.Now()
		if err != nil {
			return
		}
		m.Type, m.End, m.Count, m.Code = "", "", 0, ""
		if err := json.Unmarshal(b, &m); err != nil {
			cl.errs++
			continue
		}
		switch m.Type {
		case "tracking":
			once.Do(tracked)
		case "window":
			if !cnt.measuring.Load() {
				continue
			}
			end, err := time.Parse(time.RFC3339Nano, m.End)
			if err != nil {
				cl.errs++
				continue
			}
			cl.lat = append(cl.lat, float64(now.Sub(end))/float64(time.Millisecond))
		case "dropped":
			if cnt.measuring.Load() {
				cl.dropped += m.Count
			}
		case "error":
			cl.errs++
			fmt.Fprintf(os.Stderr, "# ws error: %s\n", b)
		}
	}
}

func keywordsFor(c config, i int) []string {
	// Client i tracks K consecutive keywords of the pool starting at i mod P, so every keyword is tracked.
	out := make([]string, c.perClient)
	for j := range out {
		out[j] = c.pool[(i+j)%len(c.pool)]
	}
	return out
}

func run(c config, n int) (result, error) {
	var r result
	r.Configured = float64(c.rate)
	s, err := startServer(c, c.rate)
	if err != nil {
		return r, err
	}
	defer s.stop(c.keep)
	pid := s.cmd.Process.Pid
	r.ServerNofile = procNofile(pid)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cnt := &counters{}
	clients := make([]*client, c.clients)
	var readers sync.WaitGroup
	var tracked sync.WaitGroup
	tracked.Add(c.clients)
	sem := make(chan struct{}, c.dialPar)
	var dialErr atomic.Value
	var failed atomic.Int64
	t0 := time.Now()
	var dials sync.WaitGroup
	for i := 0; i < c.clients; i++ {
		dials.Add(1)
		sem <- struct{}{}
		go func(i int) {
			defer dials.Done()
			defer func() { <-sem }()
			cl, err := s.dial(ctx, keywordsFor(c, i), cnt)
			if err != nil {
				dialErr.Store(err)
				failed.Add(1)
				tracked.Done()
				return
			}
			clients[i] = cl
			readers.Add(1)
			go func() { defer readers.Done(); cl.read(ctx, cnt, tracked.Done) }()
		}(i)
	}
	dials.Wait()
	tracked.Wait()
	r.ConnectSec = time.Since(t0).Seconds()
	r.Clients = float64(int64(c.clients) - failed.Load())
	if f := failed.Load(); f > 0 {
		fmt.Fprintf(os.Stderr, "# %d of %d dials failed, last: %v\n", f, c.clients, dialErr.Load())
	}
	fmt.Printf("# run %d: %d clients connected and tracking in %.2fs\n", n, int(r.Clients), r.ConnectSec)

	var recID string
	measureStart := time.Now().Add(c.warmup)
	measureEnd := measureStart.Add(c.duration)
	if c.recordKW > 0 {
		var rec struct {
			ID string `json:"id"`
		}
		body := map[string]any{"keywords": c.pool[:c.recordKW], "start": measureStart.UTC().Format(time.RFC3339Nano), "end": measureEnd.UTC().Format(time.RFC3339Nano)}
		if err := s.request("POST", "/api/recordings", body, &rec); err != nil {
			return r, err
		}
		recID = rec.ID
	}

	time.Sleep(time.Until(measureStart))
	names := []string{"tsa_posts_in_total", "tsa_posts_matched_total", "tsa_websocket_messages_dropped_total", "process_cpu_seconds_total"}
	m0, err := s.metrics(names...)
	if err != nil {
		return r, err
	}
	cpu0, _ := procCPU(pid)
	self0 := selfCPU()
	w0 := time.Now()
	cnt.measuring.Store(true)
	var loads []float64
	for time.Now().Before(measureEnd) {
		time.Sleep(min(5*time.Second, time.Until(measureEnd)))
		loads = append(loads, load1())
	}
	cnt.measuring.Store(false)
	m1, err := s.metrics(names...)
	if err != nil {
		return r, err
	}
	cpu1, _ := procCPU(pid)
	self1 := selfCPU()
	el := time.Since(w0).Seconds()
	r.HWMMiB, r.RSSMiB = procStatus(pid)
	r.InPerSec = (m1["tsa_posts_in_total"] - m0["tsa_posts_in_total"]) / el
	r.MatchedPerSec = (m1["tsa_posts_matched_total"] - m0["tsa_posts_matched_total"]) / el
	r.DroppedMetric = m1["tsa_websocket_messages_dropped_total"] - m0["tsa_websocket_messages_dropped_total"]
	r.Cores = (cpu1 - cpu0) / el
	r.HarnessCores = (self1 - self0) / el
	r.CoresMetric = (m1["process_cpu_seconds_total"] - m0["process_cpu_seconds_total"]) / el
	if r.InPerSec > 0 {
		r.CPUPer10k = r.Cores / (r.InPerSec / 10000)
	}
	for _, l := range loads {
		r.Load1 += l / float64(len(loads))
	}

	cancel()
	for _, cl := range clients {
		if cl != nil {
			cl.conn.CloseNow()
		}
	}
	readers.Wait()
	var lat []float64
	for _, cl := range clients {
		if cl != nil {
			lat = append(lat, cl.lat...)
			r.Dropped += float64(cl.dropped)
		}
	}
	sort.Float64s(lat)
	r.Windows = float64(len(lat))
	if len(lat) > 0 {
		r.LatP50 = lat[len(lat)/2]
		r.LatP99 = lat[min(len(lat)-1, len(lat)*99/100)]
		r.LatMax = lat[len(lat)-1]
	}

	if recID != "" {
		time.Sleep(c.settle)
		var rec struct {
			Recording struct{ Status string } `json:"recording"`
			Windows   []struct{ Count int64 } `json:"windows"`
		}
		if err := s.request("GET", "/api/recordings/"+recID, nil, &rec); err != nil {
			return r, err
		}
		for _, w := range rec.Windows {
			r.RecordedWin += float64(w.Count)
		}
		if c.countPosts {
			t := time.Now()
			after := ""
			for {
				var page struct {
					Posts []struct {
						ID string `json:"id"`
					} `json:"posts"`
					Next string `json:"next"`
				}
				p := "/api/recordings/" + recID + "/posts?limit=1000"
				if after != "" {
					p += "&after=" + url.QueryEscape(after)
				}
				if err := s.request("GET", p, nil, &page); err != nil {
					return r, err
				}
				r.Recorded += float64(len(page.Posts))
				if page.Next == "" || len(page.Posts) == 0 {
					break
				}
				after = page.Next
			}
			fmt.Printf("# run %d: recording %s status %s, %d windows, counted %.0f posts in %.1fs\n", n, recID, rec.Recording.Status, len(rec.Windows), r.Recorded, time.Since(t).Seconds())
		}
	}
	if out, err := os.ReadFile(filepath.Join(s.dir, "server.log")); err == nil {
		for _, line := range strings.Split(string(out), "\n") {
			if strings.Contains(line, `"level":"WARN"`) || strings.Contains(line, `"level":"ERROR"`) {
				fmt.Printf("# server log: %s\n", truncate(line, 300))
			}
		}
	}
	return r, nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
