// Package store declares TSA's durable storage: tenants and their encrypted
// source credentials, API tokens and browser sessions, tracked keywords,
// recordings with their windows and posts, logs, and source cursors.
//
// Backends live in subpackages (sqlite; PostgreSQL later) and all pass the
// conformance suite in storetest. Every tenant-scoped method takes the tenant
// id and never touches another tenant's rows: asking for tenant A's record
// with tenant B's id answers ErrNotFound, as if it did not exist.
package store

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"time"

	"github.com/tsaproject/tsa/internal/post"
	"github.com/tsaproject/tsa/internal/secret"
	"github.com/tsaproject/tsa/internal/sentiment"
	"github.com/tsaproject/tsa/internal/stats"
)

// Sentinel errors; backends wrap them with context, test with errors.Is.
var (
	// ErrNotFound: no such record, or it belongs to another tenant.
	ErrNotFound = errors.New("not found")
	// ErrConflict: the record would duplicate a unique one (a tenant name).
	ErrConflict = errors.New("already exists")
	// ErrInvalid: the arguments are not acceptable (no keywords, end before start).
	ErrInvalid = errors.New("invalid argument")
	// ErrSchemaTooNew: the database was migrated by a newer tsa than this one.
	ErrSchemaTooNew = errors.New("database schema is newer than this binary")
)

// Options are what every backend needs besides its URL.
type Options struct {
	// Secrets seals tenant credentials. Required.
	Secrets *secret.Box
	// Now is the clock; nil means time.Now. Tests set it to move time.
	Now func() time.Time
}

// Store is the whole storage API. The server, the recorder and the CLI use
// the narrower interfaces it is made of, so each can be given a fake.
type Store interface {
	Tenants
	Tokens
	Keywords
	Recordings
	Logs
	SourceStates
	// Close releases the database. Pending batch writes have already
	// returned, so nothing is lost.
	Close() error
}

// DefaultTenant is the name (and id) of the tenant created on first start.
const DefaultTenant = "default"

// Tenant is one customer: one set of source settings and credentials, hence
// one upstream stream connection.
type Tenant struct {
	ID   string
	Name string
	// SourceURL chooses the tenant's source ("synth://?rate=50",
	// "x://"). Empty means the server's default source.
	SourceURL string
	CreatedAt time.Time
}

// Tenants manages tenants and their credentials.
type Tenants interface {
	// CreateTenant adds a tenant. The id is a slug of the name (made unique
	// when needed). ErrConflict when the name is taken, ErrInvalid when empty.
	CreateTenant(ctx context.Context, name, sourceURL string) (Tenant, error)
	// EnsureDefaultTenant returns the tenant named "default", creating it
	// with an empty SourceURL the first time.
	EnsureDefaultTenant(ctx context.Context) (Tenant, error)
	GetTenant(ctx context.Context, tenantID string) (Tenant, error)
	TenantByName(ctx context.Context, name string) (Tenant, error)
	// ListTenants returns every tenant, by name.
	ListTenants(ctx context.Context) ([]Tenant, error)
	SetTenantSource(ctx context.Context, tenantID, sourceURL string) error
	// DeleteTenant removes a tenant with everything it owns.
	DeleteTenant(ctx context.Context, tenantID string) error

	// SetTenantCredentials replaces the tenant's credentials (an empty map
	// removes them). They are stored sealed with Options.Secrets.
	SetTenantCredentials(ctx context.Context, tenantID string, creds map[string]string) error
	// TenantCredentials opens the credentials, for the source that uses
	// them. Never hand the result to an API response or a log.
	TenantCredentials(ctx context.Context, tenantID string) (map[string]string, error)
	// CredentialNames lists which credentials are set, sorted, without
	// opening them: what the API may show.
	CredentialNames(ctx context.Context, tenantID string) ([]string, error)
}

// Token is an API token as stored; the plaintext is shown only once, by
// CreateToken.
type Token struct {
	ID         string
	TenantID   string
	Name       string
	Admin      bool // may use the admin API (all tenants)
	CreatedAt  time.Time
	LastUsedAt time.Time // zero until first used; updated at most once a minute
}

// TokenPrefix starts every plaintext token, so leaked tokens are easy to
// recognize by secret scanners.
const TokenPrefix = "tsa_"

// Tokens manages API tokens and the browser sessions made from them. Only
// SHA-256 hashes of tokens and session ids are stored.
type Tokens interface {
	// CreateToken returns the new token and its plaintext, "tsa_" followed
	// by 32 base32 characters (160 random bits).
	CreateToken(ctx context.Context, tenantID, name string, admin bool) (Token, string, error)
	// LookupToken finds a token by its plaintext; ErrNotFound when unknown
	// or revoked.
	LookupToken(ctx context.Context, plaintext string) (Token, error)
	// ListTokens returns the tenant's tokens, oldest first.
	ListTokens(ctx context.Context, tenantID string) ([]Token, error)
	// RevokeToken deletes a token and its sessions.
	RevokeToken(ctx context.Context, tenantID, tokenID string) error

	// CreateSession returns a new opaque session id standing for tokenID
	// until ttl has passed.
	CreateSession(ctx context.Context, tokenID string, ttl time.Duration) (string, error)
	// LookupSession returns the token a live session stands for;
	// ErrNotFound when unknown, expired, or its token was revoked.
	LookupSession(ctx context.Context, sessionID string) (Token, error)
	DeleteSession(ctx context.Context, sessionID string) error
}

// Keywords keeps the durable copy of what each tenant tracks, so a restart
// resumes the same upstream filter.
type Keywords interface {
	// SetTenantKeywords replaces the set (trimmed, deduplicated, empties
	// dropped).
	SetTenantKeywords(ctx context.Context, tenantID string, keywords []string) error
	// TenantKeywords returns the set, sorted.
	TenantKeywords(ctx context.Context, tenantID string) ([]string, error)
}

// RecordingStatus is where a recording is in its life.
type RecordingStatus string

// The statuses: scheduled → recording → done; cancelled at any point.
const (
	StatusScheduled RecordingStatus = "scheduled"
	StatusRecording RecordingStatus = "recording"
	StatusDone      RecordingStatus = "done"
	StatusCancelled RecordingStatus = "cancelled"
)

// Valid reports whether s is one of the statuses.
func (s RecordingStatus) Valid() bool {
	switch s {
	case StatusScheduled, StatusRecording, StatusDone, StatusCancelled:
		return true
	}
	return false
}

// Recording captures every window and matched post of some keywords between
// Start and End.
type Recording struct {
	ID        string
	TenantID  string
	Keywords  []string
	Start     time.Time
	End       time.Time
	Status    RecordingStatus
	CreatedAt time.Time
}

// RecordedWindow is one keyword's statistics over one window of a recording.
type RecordedWindow struct {
	TenantID    string
	RecordingID string
	Keyword     string
	Start       time.Time
	End         time.Time
	Stats       stats.Stats
	// Samples is the JSON array of sample posts the live window carried.
	Samples json.RawMessage
}

// RecordedPost is one matched post of a recording with its analysis. Only
// the Post fields id, source, keywords, text, lang, created_at, author and
// url are kept; of the Result, the label, the four scores, score and
// polarity.
type RecordedPost struct {
	TenantID    string
	RecordingID string
	Post        post.Post
	Result      sentiment.Result
}

// PostQuery selects and pages a recording's posts, oldest first.
type PostQuery struct {
	Label   sentiment.Label // "" for every label
	Text    string          // case-insensitive substring of the text; "" for any
	Keyword string          // posts that matched this keyword; "" for any
	After   string          // a Next from the previous page; "" to start
	Limit   int             // 0 means DefaultLimit; at most MaxLimit
}

// PostPage is one page of posts. Next is the cursor of the following page,
// "" when this page is the last.
type PostPage struct {
	Posts []RecordedPost
	Next  string
}

// Page sizes for PostQuery and LogQuery.
const (
	DefaultLimit = 100
	MaxLimit     = 1000
)

// Recordings manages recordings and their captured data. Writes come in
// batches and are idempotent: replaying a batch after a crash adds nothing
// twice. Rows for a recording that no longer exists (deleted meanwhile) or
// that is not the given tenant's are skipped, so a writer never stalls on
// them.
type Recordings interface {
	// CreateRecording schedules a recording. Keywords are trimmed,
	// deduplicated and sorted. ErrInvalid when there are none or end is not
	// after start.
	CreateRecording(ctx context.Context, tenantID string, keywords []string, start, end time.Time) (Recording, error)
	// ListRecordings returns the tenant's recordings, newest start first.
	ListRecordings(ctx context.Context, tenantID string) ([]Recording, error)
	GetRecording(ctx context.Context, tenantID, id string) (Recording, error)
	// DeleteRecording removes a recording with its windows and posts.
	DeleteRecording(ctx context.Context, tenantID, id string) error
	SetRecordingStatus(ctx context.Context, tenantID, id string, status RecordingStatus) error
	// DueRecordings returns, across tenants, the recordings whose status
	// must change at now: scheduled ones whose start has come, and
	// running ones whose end has passed.
	DueRecordings(ctx context.Context, now time.Time) ([]Recording, error)
	// ActiveRecordings returns, across tenants, the recordings with status
	// recording: what to capture, also right after a restart.
	ActiveRecordings(ctx context.Context) ([]Recording, error)

	// AddRecordingWindows stores windows; idempotent on (recording,
	// keyword, start).
	AddRecordingWindows(ctx context.Context, windows []RecordedWindow) error
	// AddRecordingPosts stores posts; idempotent on (recording, post
	// source, post id).
	AddRecordingPosts(ctx context.Context, posts []RecordedPost) error
	// RecordingWindows returns a recording's windows by start then
	// keyword; keyword "" means all keywords.
	RecordingWindows(ctx context.Context, tenantID, recordingID, keyword string) ([]RecordedWindow, error)
	// RecordingPosts returns one page of a recording's posts, ordered by
	// (created_at, insertion order) so the cursor is stable while posts
	// are still being added.
	RecordingPosts(ctx context.Context, tenantID, recordingID string, q PostQuery) (PostPage, error)
}

// LogEntry is one log line of a service.
type LogEntry struct {
	// ID grows with every entry stored: the cursor for following new lines.
	// Set by the store; ignored by AddLogs.
	ID       int64
	TenantID string
	Service  string // the name given to tsa logpipe, or "tsa"
	Instance string // new for every run of the service
	Time     time.Time
	Level    slog.Level
	Message  string
	// Attrs is a JSON object of the line's other fields; nil for none.
	Attrs json.RawMessage
}

// LogQuery selects log entries. Zero fields do not filter.
type LogQuery struct {
	Service  string
	Instance string
	// MinLevel keeps entries at this level or above (debug < info < warn
	// < error); nil keeps all.
	MinLevel *slog.Level
	Since    time.Time // Time >= Since
	Until    time.Time // Time < Until
	Q        string    // case-insensitive substring of the message
	// After, when > 0, returns entries with ID > After, oldest first: poll
	// with the last ID seen to follow new lines. Otherwise entries are
	// newest first, and Before (> 0) pages back to entries with ID < Before.
	After  int64
	Before int64
	Limit  int // 0 means DefaultLimit; at most MaxLimit
}

// Logs stores service logs per tenant.
type Logs interface {
	// AddLogs stores a batch. Entries of unknown tenants are skipped.
	AddLogs(ctx context.Context, entries []LogEntry) error
	QueryLogs(ctx context.Context, tenantID string, q LogQuery) ([]LogEntry, error)
	// PruneLogs deletes entries older than before, across tenants, and
	// returns how many.
	PruneLogs(ctx context.Context, before time.Time) (int64, error)
}

// SourceStates keeps small per-tenant values for sources, such as the cursor
// a stream resumes from.
type SourceStates interface {
	// GetSourceState returns ErrNotFound when key was never put.
	GetSourceState(ctx context.Context, tenantID, key string) (string, error)
	PutSourceState(ctx context.Context, tenantID, key, value string) error
}
