package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tsaproject/tsa/internal/sentiment"
	"github.com/tsaproject/tsa/internal/store"
)

const recordingColumns = `id, tenant_id, keywords, start_ns, end_ns, status, created_ns`

func scanRecording(row interface{ Scan(...any) error }) (store.Recording, error) {
	var r store.Recording
	var kws, status string
	var start, end, created int64
	if err := row.Scan(&r.ID, &r.TenantID, &kws, &start, &end, &status, &created); err != nil {
		return r, err
	}
	var err error
	if r.Keywords, err = parseStrings(kws); err != nil {
		return r, err
	}
	r.Start, r.End, r.CreatedAt = fromNS(start), fromNS(end), fromNS(created)
	r.Status = store.RecordingStatus(status)
	return r, nil
}

func (s *DB) queryRecordings(ctx context.Context, what, query string, args ...any) ([]store.Recording, error) {
	rows, err := s.r.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	var rs []store.Recording
	for rows.Next() {
		r, err := scanRecording(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		rs = append(rs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return rs, nil
}

// CreateRecording implements store.Recordings.
func (s *DB) CreateRecording(ctx context.Context, tenantID string, keywords []string, start, end time.Time) (store.Recording, error) {
	r := store.Recording{
		ID:        newID("rec_"),
		TenantID:  tenantID,
		Keywords:  cleanKeywords(keywords),
		Start:     fromNS(ns(start)),
		End:       fromNS(ns(end)),
		Status:    store.StatusScheduled,
		CreatedAt: fromNS(ns(s.now())),
	}
	switch {
	case len(r.Keywords) == 0:
		return store.Recording{}, fmt.Errorf("create recording: no keywords: %w", store.ErrInvalid)
	case start.IsZero() || !end.After(start):
		return store.Recording{}, fmt.Errorf("create recording: end %v is not after start %v: %w", end, start, store.ErrInvalid)
	}
	err := s.execOne(ctx, "create recording for tenant", tenantID, `INSERT INTO recordings (`+recordingColumns+`)
		SELECT ?, id, ?, ?, ?, ?, ? FROM tenants WHERE id = ?`,
		r.ID, jsonStrings(r.Keywords), ns(r.Start), ns(r.End), string(r.Status), ns(r.CreatedAt), tenantID)
	if err != nil {
		return store.Recording{}, err
	}
	return r, nil
}

// ListRecordings implements store.Recordings.
func (s *DB) ListRecordings(ctx context.Context, tenantID string) ([]store.Recording, error) {
	return s.queryRecordings(ctx, "list recordings",
		`SELECT `+recordingColumns+` FROM recordings WHERE tenant_id = ? ORDER BY start_ns DESC, id`, tenantID)
}

// GetRecording implements store.Recordings.
func (s *DB) GetRecording(ctx context.Context, tenantID, id string) (store.Recording, error) {
	r, err := scanRecording(s.r.QueryRowContext(ctx, s.q(`SELECT `+recordingColumns+` FROM recordings WHERE tenant_id = ? AND id = ?`), tenantID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, notFound("recording", id)
	}
	if err != nil {
		return r, fmt.Errorf("get recording %q: %w", id, err)
	}
	return r, nil
}

// DeleteRecording implements store.Recordings; windows and posts go by
// cascade.
func (s *DB) DeleteRecording(ctx context.Context, tenantID, id string) error {
	return s.execOne(ctx, "delete recording", id, `DELETE FROM recordings WHERE tenant_id = ? AND id = ?`, tenantID, id)
}

// SetRecordingStatus implements store.Recordings.
func (s *DB) SetRecordingStatus(ctx context.Context, tenantID, id string, status store.RecordingStatus) error {
	if !status.Valid() {
		return fmt.Errorf("set status of recording %q: status %q: %w", id, status, store.ErrInvalid)
	}
	return s.execOne(ctx, "set status of recording", id,
		`UPDATE recordings SET status = ? WHERE tenant_id = ? AND id = ?`, string(status), tenantID, id)
}

// DueRecordings implements store.Recordings.
func (s *DB) DueRecordings(ctx context.Context, now time.Time) ([]store.Recording, error) {
	return s.queryRecordings(ctx, "due recordings", `SELECT `+recordingColumns+` FROM recordings
		WHERE (status = ? AND start_ns <= ?) OR (status = ? AND end_ns <= ?)
		ORDER BY start_ns, id`,
		string(store.StatusScheduled), ns(now), string(store.StatusRecording), ns(now))
}

// ActiveRecordings implements store.Recordings.
func (s *DB) ActiveRecordings(ctx context.Context) ([]store.Recording, error) {
	return s.queryRecordings(ctx, "active recordings",
		`SELECT `+recordingColumns+` FROM recordings WHERE status = ? ORDER BY start_ns, id`, string(store.StatusRecording))
}

// ownRecording answers ErrNotFound unless the recording is the tenant's.
func (s *DB) ownRecording(ctx context.Context, tenantID, id string) error {
	var one int
	err := s.r.QueryRowContext(ctx, s.q(`SELECT 1 FROM recordings WHERE tenant_id = ? AND id = ?`), tenantID, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound("recording", id)
	}
	return err
}

// recordingKey is one (tenant, recording) pair a batch writes to.
type recordingKey struct{ tenant, recording string }

// liveRecordings returns which of the batch's pairs exist, checked inside
// the write transaction so a concurrent delete cannot slip between the
// check and the insert.
func (s *DB) liveRecordings(ctx context.Context, tx *sql.Tx, keys map[recordingKey]bool) error {
	for k := range keys {
		var one int
		err := tx.QueryRowContext(ctx, s.q(`SELECT 1 FROM recordings WHERE tenant_id = ? AND id = ?`+s.d.KeyShare), k.tenant, k.recording).Scan(&one)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			keys[k] = false
		case err != nil:
			return err
		default:
			keys[k] = true
		}
	}
	return nil
}

// batchInsert writes many rows of one table with multi-row INSERT
// statements of chunkRows rows, then halving sizes for the rest of a batch.
// So only a handful of statement shapes exist, and each is prepared once on
// the write pool: parsing a statement of thousands of placeholders costs as
// much as running it.
type batchInsert struct {
	sql     func(rows int) string
	cols    int
	perStmt int
	stmts   map[int]*sql.Stmt // by row count; filled by prepare, then read-only
}

// chunkRows is the largest number of rows one INSERT carries: enough to
// amortize the per-statement cost, few enough to keep statements short.
const chunkRows = 256

func newBatchInsert(d Dialect, table string, columns []string, conflict string) *batchInsert {
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(columns)), ", ") + ")"
	return &batchInsert{
		sql: func(n int) string {
			var b strings.Builder
			b.WriteString("INSERT INTO " + table + " (" + strings.Join(columns, ", ") + ") VALUES ")
			for i := range n {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString(row)
			}
			b.WriteString(" ON CONFLICT (" + conflict + ") DO NOTHING")
			return d.Rebind(b.String())
		},
		cols:    len(columns),
		perStmt: min(chunkRows, max(1, d.MaxParams/len(columns))),
		stmts:   map[int]*sql.Stmt{},
	}
}

// prepare makes every statement shape on the write pool. It runs before
// any transaction: with SQLite's single write connection, preparing on the
// pool while a transaction holds that connection would wait forever.
func (b *batchInsert) prepare(ctx context.Context, w *sql.DB) error {
	for n := b.perStmt; n > 0; n /= 2 {
		st, err := w.PrepareContext(ctx, b.sql(n))
		if err != nil {
			return err
		}
		b.stmts[n] = st
	}
	return nil
}

// exec inserts the rows whose values args holds, flattened, in tx.
func (b *batchInsert) exec(ctx context.Context, tx *sql.Tx, args []any) error {
	for rows := len(args) / b.cols; rows > 0; {
		n := b.perStmt
		for n > rows {
			n /= 2
		}
		// StmtContext reuses the statement prepared on the
		// transaction's connection, or prepares it there.
		if _, err := tx.StmtContext(ctx, b.stmts[n]).ExecContext(ctx, args[:n*b.cols]...); err != nil {
			return err
		}
		args, rows = args[n*b.cols:], rows-n
	}
	return nil
}

func (b *batchInsert) close() error {
	var err error
	for _, st := range b.stmts {
		err = errors.Join(err, st.Close())
	}
	return err
}

var windowColumns = []string{
	"recording_id", "keyword", "start_ns", "end_ns", "posts", "scored",
	"mean", "variance", "stddev", "q25", "median", "q75", "polarity_min", "polarity_max",
	"positive", "negative", "neutral", "mixed", "unscored", "samples",
}

// AddRecordingWindows implements store.Recordings.
func (s *DB) AddRecordingWindows(ctx context.Context, windows []store.RecordedWindow) error {
	if len(windows) == 0 {
		return nil
	}
	keys := map[recordingKey]bool{}
	for _, w := range windows {
		keys[recordingKey{w.TenantID, w.RecordingID}] = false
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.liveRecordings(ctx, tx, keys); err != nil {
			return err
		}
		args := make([]any, 0, len(windows)*len(windowColumns))
		for _, w := range windows {
			if !keys[recordingKey{w.TenantID, w.RecordingID}] {
				continue
			}
			st := w.Stats
			args = append(args, w.RecordingID, w.Keyword, ns(w.Start), ns(w.End), st.Count, st.Scored,
				st.Mean, st.Variance, st.StdDev, st.Q25, st.Median, st.Q75, st.Min, st.Max,
				st.Labels.Positive, st.Labels.Negative, st.Labels.Neutral, st.Labels.Mixed, st.Labels.Unscored,
				string(w.Samples))
		}
		return s.windowInsert.exec(ctx, tx, args)
	})
	if err != nil {
		return fmt.Errorf("add %d recording windows: %w", len(windows), err)
	}
	return nil
}

var postColumns = []string{
	"recording_id", "source", "post_id", "created_ns", "keywords", "text", "lang",
	"author_id", "author_handle", "author_name", "author_followers", "author_location", "author_verified",
	"url", "label", "positive", "negative", "neutral", "mixed", "score", "polarity",
}

// AddRecordingPosts implements store.Recordings.
func (s *DB) AddRecordingPosts(ctx context.Context, posts []store.RecordedPost) error {
	if len(posts) == 0 {
		return nil
	}
	keys := map[recordingKey]bool{}
	for i := range posts {
		keys[recordingKey{posts[i].TenantID, posts[i].RecordingID}] = false
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.liveRecordings(ctx, tx, keys); err != nil {
			return err
		}
		args := make([]any, 0, len(posts)*len(postColumns))
		for i := range posts {
			rp := &posts[i]
			if !keys[recordingKey{rp.TenantID, rp.RecordingID}] {
				continue
			}
			p, r := &rp.Post, &rp.Result
			args = append(args, rp.RecordingID, p.Source, p.ID, ns(p.CreatedAt), jsonStrings(p.Keywords), p.Text, p.Lang,
				p.Author.ID, p.Author.Handle, p.Author.Name, p.Author.Followers, p.Author.Location, p.Author.Verified,
				p.URL, string(r.Label), r.Positive, r.Negative, r.Neutral, r.Mixed, r.Score, r.Polarity)
		}
		return s.postInsert.exec(ctx, tx, args)
	})
	if err != nil {
		return fmt.Errorf("add %d recording posts: %w", len(posts), err)
	}
	return nil
}

// RecordingWindows implements store.Recordings.
func (s *DB) RecordingWindows(ctx context.Context, tenantID, recordingID, keyword string) ([]store.RecordedWindow, error) {
	if err := s.ownRecording(ctx, tenantID, recordingID); err != nil {
		return nil, fmt.Errorf("recording windows: %w", err)
	}
	query := `SELECT ` + strings.Join(windowColumns, ", ") + ` FROM recorded_windows WHERE recording_id = ?`
	args := []any{recordingID}
	if keyword != "" {
		query += ` AND keyword = ?`
		args = append(args, keyword)
	}
	rows, err := s.r.QueryContext(ctx, s.q(query+` ORDER BY start_ns, keyword`), args...)
	if err != nil {
		return nil, fmt.Errorf("recording windows: %w", err)
	}
	defer rows.Close()
	ws := []store.RecordedWindow{}
	for rows.Next() {
		w := store.RecordedWindow{TenantID: tenantID}
		st := &w.Stats
		var start, end int64
		var samples string
		if err := rows.Scan(&w.RecordingID, &w.Keyword, &start, &end, &st.Count, &st.Scored,
			&st.Mean, &st.Variance, &st.StdDev, &st.Q25, &st.Median, &st.Q75, &st.Min, &st.Max,
			&st.Labels.Positive, &st.Labels.Negative, &st.Labels.Neutral, &st.Labels.Mixed, &st.Labels.Unscored,
			&samples); err != nil {
			return nil, fmt.Errorf("recording windows: %w", err)
		}
		w.Start, w.End = fromNS(start), fromNS(end)
		if samples != "" {
			w.Samples = []byte(samples)
		}
		ws = append(ws, w)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("recording windows: %w", err)
	}
	return ws, nil
}

// A post cursor is "<created_ns>.<seq>" of the last post returned.
func postCursor(created, seq int64) string {
	return strconv.FormatInt(created, 10) + "." + strconv.FormatInt(seq, 10)
}

func parsePostCursor(c string) (created, seq int64, err error) {
	a, b, ok := strings.Cut(c, ".")
	if ok {
		created, err = strconv.ParseInt(a, 10, 64)
		if err == nil {
			seq, err = strconv.ParseInt(b, 10, 64)
		}
	}
	if !ok || err != nil {
		return 0, 0, fmt.Errorf("bad cursor %q: %w", c, store.ErrInvalid)
	}
	return created, seq, nil
}

// RecordingPosts implements store.Recordings.
func (s *DB) RecordingPosts(ctx context.Context, tenantID, recordingID string, pq store.PostQuery) (store.PostPage, error) {
	page := store.PostPage{Posts: []store.RecordedPost{}}
	if err := s.ownRecording(ctx, tenantID, recordingID); err != nil {
		return page, fmt.Errorf("recording posts: %w", err)
	}
	query := `SELECT seq, ` + strings.Join(postColumns, ", ") + ` FROM recorded_posts WHERE recording_id = ?`
	args := []any{recordingID}
	if pq.Label != "" {
		query += ` AND label = ?`
		args = append(args, string(pq.Label))
	}
	if pq.Text != "" {
		query += ` AND text ` + s.d.ILike + ` ? ESCAPE '\'`
		args = append(args, containsPattern(pq.Text))
	}
	if pq.Keyword != "" {
		query += ` AND keywords ` + s.d.ILike + ` ? ESCAPE '\'`
		args = append(args, jsonElemPattern(pq.Keyword))
	}
	if pq.After != "" {
		created, seq, err := parsePostCursor(pq.After)
		if err != nil {
			return page, fmt.Errorf("recording posts: %w", err)
		}
		query += ` AND (created_ns, seq) > (?, ?)`
		args = append(args, created, seq)
	}
	n := limit(pq.Limit)
	// One extra row tells whether another page follows.
	query += ` ORDER BY created_ns, seq LIMIT ` + strconv.Itoa(n+1)
	rows, err := s.r.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return page, fmt.Errorf("recording posts: %w", err)
	}
	defer rows.Close()
	var lastCreated, lastSeq int64
	for rows.Next() {
		if len(page.Posts) == n {
			page.Next = postCursor(lastCreated, lastSeq)
			break
		}
		rp := store.RecordedPost{TenantID: tenantID}
		p, r := &rp.Post, &rp.Result
		var created int64
		var kws, label string
		if err := rows.Scan(&lastSeq, &rp.RecordingID, &p.Source, &p.ID, &created, &kws, &p.Text, &p.Lang,
			&p.Author.ID, &p.Author.Handle, &p.Author.Name, &p.Author.Followers, &p.Author.Location, &p.Author.Verified,
			&p.URL, &label, &r.Positive, &r.Negative, &r.Neutral, &r.Mixed, &r.Score, &r.Polarity); err != nil {
			return page, fmt.Errorf("recording posts: %w", err)
		}
		lastCreated = created
		p.CreatedAt = fromNS(created)
		r.Label = sentiment.Label(label)
		if p.Keywords, err = parseStrings(kws); err != nil {
			return page, fmt.Errorf("recording posts: %w", err)
		}
		page.Posts = append(page.Posts, rp)
	}
	if err := rows.Err(); err != nil {
		return page, fmt.Errorf("recording posts: %w", err)
	}
	return page, nil
}
