package server

import (
	"bufio"
	"net"
	"net/http"
	"sync"
	"time"
)

// batchConn is a hijacked websocket connection that can hold its writes
// back, so that a client's queued messages, each still its own websocket
// frame, leave in one system call: with 10,000 clients each tracking a few
// keywords, a window costs one write per client rather than one per message
// (and one wake-up of the client's reader rather than several).
type batchConn struct {
	net.Conn
	mu   sync.Mutex
	held bool
	buf  []byte
}

// batchBufs recycles held-write buffers between clients: a client needs one
// only while it writes a batch.
var batchBufs = sync.Pool{New: func() any { b := make([]byte, 0, 8<<10); return &b }}

func (c *batchConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	if c.held {
		c.buf = append(c.buf, p...)
		c.mu.Unlock()
		return len(p), nil
	}
	c.mu.Unlock()
	return c.Conn.Write(p)
}

// hold makes writes wait in memory until release.
func (c *batchConn) hold() {
	c.mu.Lock()
	c.held = true
	if c.buf == nil {
		c.buf = (*batchBufs.Get().(*[]byte))[:0]
	}
	c.mu.Unlock()
}

// release writes what was held in one write, within timeout, and stops
// holding.
func (c *batchConn) release(timeout time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.held = false
	buf := c.buf
	c.buf = nil
	if buf == nil {
		return nil
	}
	var err error
	if len(buf) > 0 {
		_ = c.Conn.SetWriteDeadline(time.Now().Add(timeout))
		_, err = c.Conn.Write(buf)
		_ = c.Conn.SetWriteDeadline(time.Time{})
	}
	if cap(buf) <= 256<<10 {
		buf = buf[:0]
		batchBufs.Put(&buf)
	}
	return err
}

// batchWriter hands websocket.Accept a hijacker that wraps the connection
// in a batchConn.
type batchWriter struct {
	http.ResponseWriter
	conn *batchConn
}

func (w *batchWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *batchWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	nc, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	w.conn = &batchConn{Conn: nc}
	// The websocket library writes through brw.Writer, reset to the
	// returned conn; do the same here so nothing bypasses it.
	brw.Writer.Reset(w.conn)
	return w.conn, brw, nil
}
