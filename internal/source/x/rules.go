package x

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/tsaproject/tsa/internal/source"
	"github.com/tsaproject/tsa/internal/source/x/xapi"
)

const rulesPath = "/2/tweets/search/stream/rules"

// Rules lists the app's stream rules, following pagination.
func (c *Client) Rules(ctx context.Context) ([]xapi.Rule, error) {
	var all []xapi.Rule
	q := url.Values{"max_results": {"1000"}}
	for {
		var r xapi.RulesResponse
		if err := c.do(ctx, "list rules", "GET", rulesPath, q, nil, &r); err != nil {
			return nil, err
		}
		all = append(all, r.Data...)
		if r.Meta == nil || r.Meta.NextToken == "" {
			return all, nil
		}
		q.Set("pagination_token", r.Meta.NextToken)
	}
}

// RuleError lists the rules X refused, with why.
type RuleError struct {
	Problems []xapi.Problem
}

func (e *RuleError) Error() string {
	msgs := make([]string, len(e.Problems))
	for i := range e.Problems {
		msgs[i] = e.Problems[i].Kind() + ": " + e.Problems[i].String()
	}
	return "x: rules refused: " + strings.Join(msgs, "; ")
}

// AddRules adds rules and returns them with their ids. With dryRun X only
// validates them. Any refused rule fails the call with a *RuleError (the
// others may have been added: X applies what it can).
func (c *Client) AddRules(ctx context.Context, rules []xapi.Rule, dryRun bool) ([]xapi.Rule, error) {
	q := url.Values{}
	op := "add rules"
	if dryRun {
		q.Set("dry_run", "true")
		op = "validate rules"
	}
	var r xapi.RulesResponse
	if err := c.do(ctx, op, "POST", rulesPath, q, map[string]any{"add": rules}, &r); err != nil {
		return nil, err
	}
	if len(r.Errors) > 0 {
		return r.Data, &RuleError{Problems: r.Errors}
	}
	return r.Data, nil
}

// DeleteRules deletes rules by id. Ids X no longer knows are not an
// error: the goal, their absence, holds.
func (c *Client) DeleteRules(ctx context.Context, ids []string) error {
	var r xapi.RulesResponse
	if err := c.do(ctx, "delete rules", "POST", rulesPath, nil, map[string]any{"delete": map[string]any{"ids": ids}}, &r); err != nil {
		return err
	}
	var bad []xapi.Problem
	for _, p := range r.Errors {
		if p.Kind() != "resource-not-found" {
			bad = append(bad, p)
		}
	}
	if len(bad) > 0 {
		return &RuleError{Problems: bad}
	}
	return nil
}

// ErrLimit is wrapped by the error SetKeywords returns when a tenant's
// keywords do not fit X's rule limits.
var ErrLimit = fmt.Errorf("x stream rule limits: %w", source.ErrKeywordLimit)

// Term is a keyword as a rule operand. Keywords come normalized by track
// (lower case, single spaces): a plain word, a #hashtag or an @mention
// stands as is; anything else (a phrase, punctuation as in "c++" or
// "node.js", a word X reads as an operator) is quoted, so X matches it as
// an exact phrase.
func Term(keyword string) string {
	body := keyword
	if len(body) > 1 && (body[0] == '#' || body[0] == '@') {
		body = body[1:]
	}
	plain := body != ""
	for _, r := range body {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_' && !unicode.Is(unicode.Mn, r) {
			plain = false
			break
		}
	}
	if plain && !operatorWords[keyword] {
		return keyword
	}
	return `"` + strings.ReplaceAll(strings.ReplaceAll(keyword, `\`, `\\`), `"`, `\"`) + `"`
}

// operatorWords would be read as operators if left bare. Keywords are
// lower case and X's OR is upper case, so only these need care.
var operatorWords = map[string]bool{"or": true, "and": true}

// joinOR is the separator of packed terms.
const joinOR = " OR "

// ruleLen is a rule's length as X counts it, in characters.
func ruleLen(s string) int { return utf8.RuneCountInString(s) }

// ourRule is one of TSA's rules: its value and the keywords it stands for.
type ourRule struct {
	id       string
	value    string
	keywords []string
}

// plan is a change of rules: delete these ids, add these rules.
type plan struct {
	del []string
	add []xapi.Rule
}

// planRules works out how to move from the rules we have (cur) to rules
// for keywords, within maxRules rules in all (foreign rules, made outside
// TSA, count too) of at most maxLen characters. It changes as little as it
// can: a rule whose keywords are all still wanted stays; the keywords of
// a rule that loses one, and new keywords, get new rules, one each while
// the count allows, else packed with OR up to maxLen. When the keywords
// cannot fit it returns what does fit and an error wrapping ErrLimit that
// says how many did not.
func planRules(cur []ourRule, foreign int, keywords []string, maxRules, maxLen int) (plan, error) {
	want := make(map[string]bool, len(keywords))
	for _, k := range keywords {
		want[k] = true
	}
	var p plan
	covered := map[string]bool{}
	kept := 0
	for _, r := range cur {
		keep := len(r.keywords) > 0
		for _, k := range r.keywords {
			if !want[k] || covered[k] {
				keep = false
				break
			}
		}
		if !keep {
			p.del = append(p.del, r.id)
			continue
		}
		kept++
		for _, k := range r.keywords {
			covered[k] = true
		}
	}
	var todo []string
	for _, k := range keywords {
		if !covered[k] {
			todo = append(todo, k)
			covered[k] = true // a keyword listed twice gets one rule
		}
	}
	slices.Sort(todo)
	room := maxRules - foreign - kept
	var tooLong []string
	var fits []string
	for _, k := range todo {
		if ruleLen(Term(k)) > maxLen {
			tooLong = append(tooLong, k)
		} else {
			fits = append(fits, k)
		}
	}
	var left []string
	if len(fits) <= room {
		for _, k := range fits {
			p.add = append(p.add, newRule([]string{k}))
		}
	} else {
		// Pack: fill each rule up to maxLen, in sorted order so that
		// related keywords ("climate", "climate change") share rules.
		start, n, full := 0, 0, false
		for i, k := range fits {
			t := ruleLen(Term(k))
			if i > start && n+len(joinOR)+t > maxLen {
				if len(p.add) >= room {
					full = true
					break
				}
				p.add = append(p.add, newRule(fits[start:i]))
				start, n = i, 0
			}
			if i > start {
				n += len(joinOR)
			}
			n += t
		}
		placed := start
		if !full && len(p.add) < room && start < len(fits) {
			p.add = append(p.add, newRule(fits[start:]))
			placed = len(fits)
		}
		left = fits[placed:]
	}
	switch {
	case len(tooLong) > 0 && len(left) > 0:
		return p, fmt.Errorf("%w: %d keywords longer than a rule (%d characters) and %d more than %d rules hold", ErrLimit, len(tooLong), maxLen, len(left), maxRules)
	case len(tooLong) > 0:
		return p, fmt.Errorf("%w: %d keywords longer than a rule (%d characters), such as %q", ErrLimit, len(tooLong), maxLen, tooLong[0])
	case len(left) > 0:
		return p, fmt.Errorf("%w: %d keywords do not fit in %d rules of %d characters (%d rules are not TSA's)", ErrLimit, len(left), maxRules, maxLen, foreign)
	}
	return p, nil
}

func newRule(keywords []string) xapi.Rule {
	terms := make([]string, len(keywords))
	for i, k := range keywords {
		terms[i] = Term(k)
	}
	return xapi.Rule{Value: strings.Join(terms, joinOR), Tag: xapi.Tag(keywords)}
}
