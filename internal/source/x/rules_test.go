package x

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tsaproject/tsa/internal/source"
	"github.com/tsaproject/tsa/internal/source/x/xapi"
)

func TestTerm(t *testing.T) {
	for _, c := range []struct{ kw, want string }{
		{"golang", "golang"},
		{"#rust", "#rust"},
		{"@user_1", "@user_1"},
		{"climate change", `"climate change"`},
		{"c++", `"c++"`},
		{"node.js", `"node.js"`},
		{"lang:en", `"lang:en"`},
		{"-x", `"-x"`},
		{"or", `"or"`},
		{`say "hi"`, `"say \"hi\""`},
		{"東京", "東京"},
		{"café", "café"},
		{"#", `"#"`},
	} {
		if got := Term(c.kw); got != c.want {
			t.Errorf("Term(%q) = %s, want %s", c.kw, got, c.want)
		}
	}
}

func TestPlanRules(t *testing.T) {
	r := func(id string, kws ...string) ourRule {
		return ourRule{id: id, value: newRule(kws).Value, keywords: kws}
	}
	values := func(p plan) []string {
		var v []string
		for _, a := range p.add {
			v = append(v, a.Value)
		}
		return v
	}
	for _, c := range []struct {
		name     string
		cur      []ourRule
		foreign  int
		keywords []string
		maxRules int
		maxLen   int
		add      []string
		del      []string
		limit    bool
	}{
		{name: "first set", keywords: []string{"golang", "#rust", "climate change"}, maxRules: 10, maxLen: 100,
			add: []string{"#rust", `"climate change"`, "golang"}},
		{name: "no change", cur: []ourRule{r("1", "a"), r("2", "b")}, keywords: []string{"b", "a"}, maxRules: 10, maxLen: 100},
		{name: "add one delete one", cur: []ourRule{r("1", "a"), r("2", "b")}, keywords: []string{"a", "c"}, maxRules: 10, maxLen: 100,
			add: []string{"c"}, del: []string{"2"}},
		{name: "duplicate keyword", keywords: []string{"a", "a"}, maxRules: 10, maxLen: 100, add: []string{"a"}},
		{name: "pack when rules run short", keywords: []string{"a", "b", "c", "d", "e"}, maxRules: 2, maxLen: 100,
			add: []string{"a OR b OR c OR d OR e"}},
		{name: "pack up to the length", keywords: []string{"aaa", "bbb", "ccc", "ddd"}, maxRules: 2, maxLen: 10,
			add: []string{"aaa OR bbb", "ccc OR ddd"}},
		{name: "packed rule losing a keyword is rebuilt", cur: []ourRule{r("1", "aaa", "bbb"), r("2", "ccc", "ddd")},
			keywords: []string{"aaa", "ccc", "ddd"}, maxRules: 2, maxLen: 10, add: []string{"aaa"}, del: []string{"1"}},
		{name: "foreign rules count", foreign: 2, keywords: []string{"a", "b"}, maxRules: 3, maxLen: 100, add: []string{"a OR b"}},
		{name: "too many", keywords: []string{"aaa", "bbb", "ccc", "ddd", "eee"}, maxRules: 2, maxLen: 10,
			add: []string{"aaa OR bbb", "ccc OR ddd"}, limit: true},
		{name: "too long", keywords: []string{"a", "a very long phrase"}, maxRules: 5, maxLen: 10, add: []string{"a"}, limit: true},
		{name: "no room at all", foreign: 3, keywords: []string{"a"}, maxRules: 3, maxLen: 10, limit: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := planRules(c.cur, c.foreign, c.keywords, c.maxRules, c.maxLen)
			if got := values(p); !slices.Equal(got, c.add) {
				t.Errorf("add %q, want %q", got, c.add)
			}
			if !slices.Equal(p.del, c.del) {
				t.Errorf("delete %q, want %q", p.del, c.del)
			}
			if (err != nil) != c.limit || (err != nil && !errors.Is(err, ErrLimit)) {
				t.Errorf("error %v, want limit error: %v", err, c.limit)
			}
			for _, a := range p.add {
				if ruleLen(a.Value) > c.maxLen {
					t.Errorf("rule %q longer than %d", a.Value, c.maxLen)
				}
				if kws, ok := xapi.TagKeywords(a.Tag); !ok || len(kws) == 0 {
					t.Errorf("rule %q has tag %q", a.Value, a.Tag)
				}
			}
			if len(c.cur)-len(p.del)+len(p.add)+c.foreign > c.maxRules {
				t.Errorf("plan leaves more than %d rules", c.maxRules)
			}
		})
	}
}

func TestSetKeywordsDiffsWithDryRunAndNoReconnect(t *testing.T) {
	h := newHarness(t, Config{}, testToken)
	ctx := context.Background()
	if err := h.s.SetKeywords(ctx, []string{"golang", "#rust"}); err != nil {
		t.Fatal(err)
	}
	h.start()
	eventually(t, "connection", func() bool { return h.fake.Connected() })
	if err := h.s.SetKeywords(ctx, []string{"golang", "climate change"}); err != nil {
		t.Fatal(err)
	}
	var values []string
	for _, r := range h.fake.Rules() {
		values = append(values, r.Value)
	}
	slices.Sort(values)
	if want := []string{`"climate change"`, "golang"}; !slices.Equal(values, want) {
		t.Fatalf("rules %q, want %q", values, want)
	}
	// dry_run, add; then dry_run, delete, add.
	var kinds []string
	for _, c := range h.fake.Calls() {
		k := "add"
		if strings.Contains(c.Body, `"delete"`) {
			k = "delete"
		}
		if strings.Contains(c.Query, "dry_run=true") {
			k = "dry-" + k
		}
		kinds = append(kinds, k)
	}
	if want := []string{"dry-add", "add", "dry-add", "delete", "add"}; !slices.Equal(kinds, want) {
		t.Errorf("rule calls %q, want %q", kinds, want)
	}
	h.post("Climate   Change is real")
	h.post("nothing here")
	h.post("I like #Rust") // no longer tracked
	eventually(t, "the matching post", func() bool { return len(h.ids()) == 1 })
	h.mu.Lock()
	kw := h.posts[0].Keywords
	h.mu.Unlock()
	if !slices.Equal(kw, []string{"climate change"}) {
		t.Errorf("keywords %q", kw)
	}
	if n := h.fake.Connects(); n != 1 {
		t.Errorf("%d connections; keyword changes must not reconnect", n)
	}
	// A new Stream (a restart) finds its rules again instead of adding
	// them twice.
	s2 := NewStream(h.s.c, h.s.cfg, source.Options{})
	if err := s2.SetKeywords(ctx, []string{"golang", "climate change"}); err != nil {
		t.Fatal(err)
	}
	if n := len(h.fake.Rules()); n != 2 {
		t.Errorf("%d rules after a restart with the same keywords", n)
	}
}

func TestSetKeywordsLimits(t *testing.T) {
	h := newHarness(t, Config{MaxRules: 2, RuleLen: 20}, testToken)
	h.fake.MaxRules, h.fake.RuleLen = 2, 20
	kws := []string{"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"}
	err := h.s.SetKeywords(context.Background(), kws)
	if !errors.Is(err, ErrLimit) {
		t.Fatalf("error %v, want ErrLimit", err)
	}
	if st := h.s.Status(); !strings.Contains(st.Reason, "do not fit") {
		t.Errorf("status reason %q does not say keywords do not fit", st.Reason)
	}
	rules := h.fake.Rules()
	if len(rules) != 2 {
		t.Fatalf("%d rules, want 2 packed ones", len(rules))
	}
	tracked := 0
	for _, r := range rules {
		k, _ := xapi.TagKeywords(r.Tag)
		tracked += len(k)
	}
	if tracked < 4 {
		t.Errorf("only %d keywords packed into 2 rules of 20 characters", tracked)
	}
	// Back within the limits: the error and the reason go.
	if err := h.s.SetKeywords(context.Background(), kws[:2]); err != nil {
		t.Fatal(err)
	}
	if st := h.s.Status(); st.Reason != "" {
		t.Errorf("reason %q after fitting again", st.Reason)
	}
}

func TestSetKeywordsRefusedRuleChangesNothing(t *testing.T) {
	h := newHarness(t, Config{RuleLen: 2000}, testToken) // the client thinks rules may be longer than X allows
	h.fake.RuleLen = 30
	ctx := context.Background()
	if err := h.s.SetKeywords(ctx, []string{"keep"}); err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("x", 40)
	err := h.s.SetKeywords(ctx, []string{long})
	var re *RuleError
	if !errors.As(err, &re) || re.Problems[0].Kind() != "invalid-rules" {
		t.Fatalf("error %v, want an invalid-rules RuleError", err)
	}
	if r := h.fake.Rules(); len(r) != 1 || r[0].Value != "keep" {
		t.Errorf("rules %+v after a refused change; dry_run should have kept them", r)
	}
}

func TestBackoffSchedule(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	var b backoff
	var got []time.Duration
	for range 70 {
		got = append(got, b.next(KindNetwork, RateLimit{}, now))
	}
	if got[0] != 250*time.Millisecond || got[1] != 500*time.Millisecond || got[63] != 16*time.Second || got[69] != 16*time.Second {
		t.Errorf("network: %v", got[:5])
	}
	want := []time.Duration{5, 10, 20, 40, 80, 160, 320, 320, 320}
	for i, w := range want {
		if d := b.next(KindHTTP, RateLimit{}, now); d != w*time.Second {
			t.Errorf("http attempt %d: %v, want %v", i+1, d, w*time.Second)
		}
	}
	for i, w := range []time.Duration{1, 2, 4, 8, 16, 16} {
		if d := b.next(KindRateLimit, RateLimit{}, now); d != w*time.Minute {
			t.Errorf("429 attempt %d: %v, want %v", i+1, d, w*time.Minute)
		}
	}
	b = backoff{}
	rl := RateLimit{Remaining: 0, Reset: now.Add(10 * time.Minute)}
	if d := b.next(KindRateLimit, rl, now); d != 10*time.Minute+time.Second {
		t.Errorf("429 with a reset in 10 min: %v", d)
	}
}
