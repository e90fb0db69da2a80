package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/tsaproject/tsa/internal/logs"
)

func init() {
	commands["logpipe"] = command{"store log lines read on stdin under a service name", runLogpipe}
}

func runLogpipe(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "logpipe", "NAME",
		"Reads log lines on stdin (cmd 2>&1 | tsa logpipe NAME) and stores them with the service name, a new\n"+
			"instance id, time and level. JSON lines keep their fields; other lines are wrapped. Lines are also\n"+
			"copied to stdout, so the pipe can go on.")
	tenant := fs.String("tenant", "default", "tenant the logs belong to")
	data := fs.String("data", "data", "data directory")
	storeURL := fs.String("store", "", "store URL (default sqlite://DATA/tsa.db)")
	quiet := fs.Bool("quiet", false, "do not copy lines to stdout")
	if err := parseFlags(e, fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 || fs.Arg(0) == "" {
		fs.Usage()
		return errUsage
	}
	service := fs.Arg(0)
	st, err := openStoreURL(ctx, *data, *storeURL)
	if err != nil {
		return err
	}
	defer st.Close()
	if _, err := st.EnsureDefaultTenant(ctx); err != nil {
		return err
	}
	t, err := st.TenantByName(ctx, *tenant)
	if err != nil {
		return fmt.Errorf("tenant %q: %w", *tenant, err)
	}
	instance := logs.NewInstanceID()
	w := logs.NewWriter(st, 0)
	r := bufio.NewReaderSize(e.stdin, 64<<10)
	const maxLine = 64 << 10
	var n int64
	for {
		line, err := r.ReadString('\n')
		if len(line) > 0 {
			if !*quiet {
				io.WriteString(e.stdout, line)
			}
			if len(line) > maxLine {
				line = line[:maxLine] // ParseLine repairs a cut rune
			}
			entry := logs.ParseLine(line, time.Now())
			entry.TenantID, entry.Service, entry.Instance = t.ID, service, instance
			w.Add(entry)
			n++
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("read stdin: %w", err)
		}
		if ctx.Err() != nil {
			break
		}
	}
	cctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := w.Close(cctx); err != nil {
		return fmt.Errorf("store logs: %w", err)
	}
	fmt.Fprintf(e.stderr, "tsa logpipe: stored %d line(s) as %s/%s\n", n, service, instance)
	return nil
}
