package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	_ "github.com/jackc/pgx/v5/stdlib"
)

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// TestServeOnPostgresAndRedis runs tsa serve on the scale-out backends: a
// fresh PostgreSQL database and a Redis key prefix of its own.
func TestServeOnPostgresAndRedis(t *testing.T) {
	if testing.Short() {
		t.Skip("needs PostgreSQL and Redis")
	}
	pgURL := envOr("TSA_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable")
	redisAddr := envOr("TSA_TEST_REDIS_ADDR", "127.0.0.1:6379")
	if c, err := net.DialTimeout("tcp", redisAddr, 2*time.Second); err != nil {
		t.Fatalf("Redis is not reachable at %s (%v): start it (redis-server) or set TSA_TEST_REDIS_ADDR", redisAddr, err)
	} else {
		c.Close()
	}
	admin, err := sql.Open("pgx", pgURL)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := admin.PingContext(ctx); err != nil {
		t.Fatalf("PostgreSQL is not reachable at %s (%v): start it or set TSA_TEST_POSTGRES_URL", pgURL, err)
	}
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	db := "tsa_e2e_" + hex.EncodeToString(rnd[:])
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+db); err != nil {
		t.Fatal(err)
	}
	defer admin.Exec("DROP DATABASE " + db + " WITH (FORCE)")
	storeURL := strings.Replace(pgURL, "/postgres?", "/"+db+"?", 1)
	coordURL := "redis://" + redisAddr + "/15?prefix=tsa-e2e-" + hex.EncodeToString(rnd[:]) + ":"

	data := t.TempDir()
	out, _ := tsa(t, "", "token", "create", "--data", data, "--store", storeURL, "--admin")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	token := lines[len(lines)-1]

	addr := freeAddr(t)
	cmd := exec.Command(tsaBin, "serve", "--data", data, "--addr", addr, "--window", "250ms",
		"--store", storeURL, "--coord", coordURL, "--source", "synth://?rate=1000&seed=4&share=0.5")
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() { _ = cmd.Process.Kill() }()
	base := "http://" + addr
	for deadline := time.Now().Add(30 * time.Second); ; {
		resp, err := http.Get(base + "/readyz")
		if err == nil && resp.StatusCode == 200 {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("server not ready: %v\n%s", err, stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	// A recording on Postgres, windows through Redis pub/sub.
	start := time.Now().Add(300 * time.Millisecond)
	body, _ := json.Marshal(map[string]any{"keywords": []string{"tea"}, "start": start, "end": start.Add(2 * time.Second)})
	req, _ := http.NewRequest("POST", base+"/api/recordings", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("create recording: %v %v", err, resp)
	}
	var rec struct{ ID string }
	_ = json.NewDecoder(resp.Body).Decode(&rec)
	resp.Body.Close()

	h := http.Header{}
	h.Set("Authorization", "Bearer "+token)
	c, _, err := websocket.Dial(ctx, "ws://"+addr+"/ws", &websocket.DialOptions{HTTPHeader: h})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	_ = c.Write(ctx, websocket.MessageText, []byte(`{"type":"track","keywords":["tea"]}`))
	var posts int64
	for windows := 0; windows < 6; {
		_, msg, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("read: %v\n%s", err, stderr.String())
		}
		var m struct {
			Type  string
			Count int64
		}
		_ = json.Unmarshal(msg, &m)
		if m.Type == "window" {
			windows++
			posts += m.Count
		}
	}
	if posts == 0 {
		t.Error("windows over Redis counted no posts")
	}
	var got struct {
		Recording struct{ Status string }
		Windows   []any
	}
	for deadline := time.Now().Add(20 * time.Second); got.Recording.Status != "done"; {
		if time.Now().After(deadline) {
			t.Fatalf("recording not done on Postgres: %+v\n%s", got, stderr.String())
		}
		time.Sleep(200 * time.Millisecond)
		req, _ := http.NewRequest("GET", base+"/api/recordings/"+rec.ID, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = json.NewDecoder(resp.Body).Decode(&got)
		resp.Body.Close()
	}
	if len(got.Windows) == 0 {
		t.Error("the recording on Postgres has no windows")
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("exit: %v\n%s", err, stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no exit after SIGTERM")
	}
}
