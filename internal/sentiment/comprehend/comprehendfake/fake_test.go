package comprehendfake

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func post(t *testing.T, srv *httptest.Server, target, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	if target != "" {
		req.Header.Set("X-Amz-Target", TargetPrefix+target)
	}
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/20240101/eu-west-1/comprehend/aws4_request, SignedHeaders=host, Signature=x")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestWireShapes(t *testing.T) {
	f := New()
	srv := httptest.NewServer(f)
	defer srv.Close()
	for _, tc := range []struct {
		target, body string
		status       int
		want         string
	}{
		{"BatchDetectSentiment", `{"TextList":["good"],"LanguageCode":"en"}`, 200,
			`{"ResultList":[{"Index":0,"Sentiment":"POSITIVE","SentimentScore":{"Positive":0.75,"Negative":0.05,"Neutral":0.15,"Mixed":0.05}}],"ErrorList":[]}`},
		{"BatchDetectSentiment", `{"TextList":["x #fake-doc-error"],"LanguageCode":"en"}`, 200,
			`{"ResultList":[],"ErrorList":[{"Index":0,"ErrorCode":"InternalServerException","ErrorMessage":"fake document error"}]}`},
		{"DetectSentiment", `{"Text":"the bus","LanguageCode":"es"}`, 200,
			`{"Sentiment":"NEUTRAL","SentimentScore":{"Positive":0.05,"Negative":0.05,"Neutral":0.85,"Mixed":0.05}}`},
		{"BatchDetectSentiment", `{"TextList":[` + strings.Repeat(`"a",`, 25) + `"a"],"LanguageCode":"en"}`, 400, `"__type":"BatchSizeLimitExceededException"`},
		{"BatchDetectSentiment", `{"TextList":["` + strings.Repeat("a", 5000) + `"],"LanguageCode":"en"}`, 400, `"__type":"TextSizeLimitExceededException"`},
		{"BatchDetectSentiment", `{"TextList":["a"],"LanguageCode":"fi"}`, 400, `"__type":"UnsupportedLanguageException"`},
		{"BatchDetectSentiment", `{"TextList":[""],"LanguageCode":"en"}`, 400, `"__type":"InvalidRequestException"`},
		{"BatchDetectSentiment", `{"TextList":["a"],"LanguageCode":"en","Extra":1}`, 400, `"__type":"SerializationException"`},
		{"DetectEntities", `{}`, 400, `"__type":"UnknownOperationException"`},
		{"", `{}`, 400, `"__type":"UnknownOperationException"`},
	} {
		status, body := post(t, srv, tc.target, tc.body)
		if status != tc.status || !strings.Contains(body, tc.want) {
			t.Errorf("%s %.60s: %d %s", tc.target, tc.body, status, body)
		}
	}
	f.ThrottleNext(1)
	f.FailNext(1)
	if s, b := post(t, srv, "DetectSentiment", `{"Text":"a","LanguageCode":"en"}`); s != 400 || !strings.Contains(b, `"__type":"ThrottlingException"`) {
		t.Errorf("throttle: %d %s", s, b)
	}
	if s, b := post(t, srv, "DetectSentiment", `{"Text":"a","LanguageCode":"en"}`); s != 500 || !strings.Contains(b, `"__type":"InternalServerException"`) {
		t.Errorf("fail: %d %s", s, b)
	}
	c := f.Calls()
	if last := c[len(c)-1]; last.Region != "eu-west-1" || last.AccessKeyID != "AKID" || last.Status != 500 {
		t.Errorf("record %+v", last)
	}
}
