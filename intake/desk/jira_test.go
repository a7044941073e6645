package desk

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// jiraFake answers as the Jira Cloud platform REST API v3 is documented (see docs/desk.md):
// issue attachments (multipart "file", refused without X-Atlassian-Token: no-check), comments
// with an ADF body and entity properties (sd.public.comment internal sets jsdPublic false, as
// Jira Service Management does), the error body {"errorMessages": [], "errors": {}},
// 401/403/404/413/429 (Retry-After)/5xx.
type jiraFake struct {
	email, token string
	maxAttach    int64
	issues       map[string]bool

	mu          sync.Mutex
	attachments map[string][]byte // by id
	comments    []jiraComment
	calls       []string
	times       []time.Time
	inject      []zdInject
	nextID      int
}

type jiraComment struct {
	Issue      string
	Body       map[string]any `json:"body"`
	Properties []struct {
		Key   string         `json:"key"`
		Value map[string]any `json:"value"`
	} `json:"properties"`
}

func newJiraFake(email, token string) (*jiraFake, *httptest.Server) {
	j := &jiraFake{email: email, token: token, maxAttach: 1 << 30, issues: map[string]bool{"SUP-12": true},
		attachments: map[string][]byte{}, nextID: 10000}
	return j, httptest.NewServer(j) // loopback
}

func jiraError(w http.ResponseWriter, status int, msgs ...string) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"errorMessages": msgs, "errors": map[string]string{}})
}

func (j *jiraFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	j.mu.Lock()
	j.calls = append(j.calls, r.Method+" "+r.URL.Path)
	j.times = append(j.times, time.Now())
	for i, in := range j.inject {
		if in.method == r.Method && strings.HasPrefix(r.URL.Path, in.path) {
			j.inject = append(j.inject[:i], j.inject[i+1:]...)
			j.mu.Unlock()
			io.Copy(io.Discard, r.Body)
			for k, v := range in.header {
				w.Header().Set(k, v)
			}
			w.WriteHeader(in.status)
			io.WriteString(w, strings.ReplaceAll(in.body, "{auth}", r.Header.Get("Authorization")))
			return
		}
	}
	j.mu.Unlock()
	if r.Header.Get("Authorization") != "Basic "+base64.StdEncoding.EncodeToString([]byte(j.email+":"+j.token)) {
		w.Header().Set("X-Seraph-LoginReason", "AUTHENTICATED_FAILED")
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, "Client must be authenticated to access this resource.")
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/rest/api/3/issue/")
	key, what, _ := strings.Cut(rest, "/")
	switch {
	case !ok:
		jiraError(w, http.StatusNotFound, "no such resource")
	case !j.issues[key]:
		jiraError(w, http.StatusNotFound, "Issue does not exist or you do not have permission to see it.")
	case r.Method == http.MethodPost && what == "attachments":
		if r.Header.Get("X-Atlassian-Token") != "no-check" {
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, "XSRF check failed")
			return
		}
		if r.ContentLength > j.maxAttach {
			jiraError(w, http.StatusRequestEntityTooLarge, "The attachment exceeds the maximum attachment size for issues.")
			return
		}
		mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil || mt != "multipart/form-data" {
			jiraError(w, http.StatusBadRequest, "multipart/form-data expected")
			return
		}
		_ = params
		mr, err := r.MultipartReader()
		if err != nil {
			jiraError(w, http.StatusBadRequest, err.Error())
			return
		}
		var out []any
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				jiraError(w, http.StatusBadRequest, err.Error())
				return
			}
			if p.FormName() != "file" {
				jiraError(w, http.StatusBadRequest, "the multipart parameter must be named file")
				return
			}
			data, _ := io.ReadAll(p)
			j.mu.Lock()
			j.nextID++
			id := fmt.Sprint(j.nextID)
			j.attachments[id] = data
			j.mu.Unlock()
			out = append(out, map[string]any{"self": "https://example.atlassian.net/rest/api/3/attachments/" + id, "id": id,
				"filename": p.FileName(), "size": len(data), "mimeType": p.Header.Get("Content-Type"),
				"created": time.Now().UTC().Format("2006-01-02T15:04:05.000-0700"),
				"content": "https://example.atlassian.net/rest/api/3/attachment/content/" + id})
		}
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
		json.NewEncoder(w).Encode(out)
	case r.Method == http.MethodPost && what == "comment":
		var c jiraComment
		if err := json.NewDecoder(r.Body).Decode(&c); err != nil || c.Body["type"] != "doc" || c.Body["version"] != float64(1) {
			w.Header().Set("Content-Type", "application/json;charset=UTF-8")
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"errorMessages":[],"errors":{"comment":"Comment body is not valid!"}}`)
			return
		}
		c.Issue = key
		internal := false
		for _, p := range c.Properties {
			if p.Key == "sd.public.comment" && p.Value["internal"] == true {
				internal = true
			}
		}
		j.mu.Lock()
		j.comments = append(j.comments, c)
		j.nextID++
		id := fmt.Sprint(j.nextID)
		j.mu.Unlock()
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(map[string]any{"self": "https://example.atlassian.net/rest/api/3/issue/" + key + "/comment/" + id,
			"id": id, "body": c.Body, "jsdPublic": !internal, "created": time.Now().UTC().Format("2006-01-02T15:04:05.000-0700")})
	default:
		jiraError(w, http.StatusMethodNotAllowed, "method not allowed")
	}
}

// text flattens an ADF document to its text, one line per paragraph line or list item.
func adfText(n any) string {
	var b strings.Builder
	var walk func(any)
	walk = func(n any) {
		m, ok := n.(map[string]any)
		if !ok {
			return
		}
		switch m["type"] {
		case "text":
			b.WriteString(m["text"].(string))
		case "hardBreak":
			b.WriteString("\n")
		case "listItem":
			b.WriteString("- ")
		}
		if c, ok := m["content"].([]any); ok {
			for _, x := range c {
				walk(x)
			}
		}
		if m["type"] == "paragraph" {
			b.WriteString("\n")
		}
	}
	walk(n)
	return b.String()
}

func newJira(t *testing.T, url, user, token string, limit int64) Connector {
	t.Helper()
	c, err := New(Config{Kind: KindJira, URL: url, User: user, TokenEnv: "JIRA_TOKEN", AttachmentLimit: limit}, envWith("JIRA_TOKEN", token))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestJiraAttachesWithInternalComment(t *testing.T) {
	token := secretFor(t)
	j, srv := newJiraFake("agent@example.com", token)
	defer srv.Close()
	_, data := testBundle(t)
	r := deliverOnce(t, newJira(t, srv.URL, "agent@example.com", token, 0), "SUP-12", 0, "")
	if r.final.Status != StatusAttached || r.final.Attempts != 1 || !strings.HasPrefix(r.final.Ref, "comment ") {
		t.Fatalf("final %+v", r.final)
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if len(j.comments) != 1 || len(j.attachments) != 1 {
		t.Fatalf("comments %d attachments %d", len(j.comments), len(j.attachments))
	}
	for _, a := range j.attachments {
		if !bytes.Equal(a, data) {
			t.Error("the attachment is not byte-identical to the bundle")
		}
	}
	c := j.comments[0]
	if len(c.Properties) != 1 || c.Properties[0].Key != "sd.public.comment" || c.Properties[0].Value["internal"] != true {
		t.Errorf("properties %+v", c.Properties)
	}
	text := adfText(c.Body)
	for _, want := range []string{"Host: desk-test-host\n", "Verdict: 1 critical problem found", "Critical:\n- Host has been up for a while [acme.uptime]",
		"- Uptime is measured [acme.uptime-known]", "Attached to this issue: casefile-4821-desk-test-host-20260102T030405Z-"} {
		if !strings.Contains(text, want) {
			t.Errorf("comment lacks %q:\n%s", want, text)
		}
	}
	if j.calls[0] != "POST /rest/api/3/issue/SUP-12/attachments" || j.calls[1] != "POST /rest/api/3/issue/SUP-12/comment" {
		t.Errorf("calls %v", j.calls)
	}
	r.noSecret(t, "agent@example.com", token)
}

func TestJiraErrors(t *testing.T) {
	for _, tc := range []struct {
		name     string
		inject   []zdInject
		ticket   string
		badToken bool
		limit    int64
		status   string
		attempts int
		reason   string
		check    func(t *testing.T, j *jiraFake, r runResult)
	}{
		{name: "401 wrong token", badToken: true, status: StatusFailed, attempts: 1,
			reason: "HTTP 401: Jira refused the credentials (check desk.user, the account's email, and the API token): Client must be authenticated to access this resource."},
		{name: "403 echoing the credentials", inject: []zdInject{{method: "POST", path: "/rest/api/3/issue/SUP-12/attachments", status: 403,
			body: `{"errorMessages":["You do not have permission to create attachments for this issue ({auth})."],"errors":{}}`}},
			status: StatusFailed, attempts: 1, reason: "HTTP 403: the Jira user may not do this (or attachments are off): You do not have permission to create attachments for this issue (Basic [REDACTED])."},
		{name: "404 no such issue", ticket: "SUP-999", status: StatusFailed, attempts: 1,
			reason: "Jira attachment to SUP-999: HTTP 404: no such Jira issue, or the user may not see it: Issue does not exist or you do not have permission to see it."},
		{name: "400 invalid comment", inject: []zdInject{{method: "POST", path: "/rest/api/3/issue/SUP-12/comment", status: 400,
			body: `{"errorMessages":[],"errors":{"comment":"Comment body is not valid!"}}`}},
			status: StatusFailed, attempts: 1, reason: "Jira comment on SUP-12: HTTP 400: comment: Comment body is not valid!"},
		{name: "not an issue key", ticket: "sup_12", status: StatusFailed, attempts: 1, reason: `"sup_12" is not a Jira issue key`},
		{name: "413 on attachment: linked instead", inject: []zdInject{{method: "POST", path: "/rest/api/3/issue/SUP-12/attachments", status: 413,
			body: `{"errorMessages":["The attachment exceeds the maximum attachment size for issues."],"errors":{}}`}},
			status: StatusLinked, attempts: 1, check: func(t *testing.T, j *jiraFake, r runResult) {
				if len(j.attachments) != 0 || len(j.comments) != 1 || !strings.Contains(adfText(j.comments[0].Body), "On the intake: https://intake.example/web/x") {
					t.Errorf("attachments %d comments %+v", len(j.attachments), j.comments)
				}
			}},
		{name: "above the limit: linked", limit: 100, status: StatusLinked, attempts: 1, check: func(t *testing.T, j *jiraFake, r runResult) {
			if len(j.attachments) != 0 || len(j.comments) != 1 {
				t.Errorf("attachments %d comments %d", len(j.attachments), len(j.comments))
			}
		}},
		{name: "429 with Retry-After on the comment: attachment not repeated", inject: []zdInject{{method: "POST", path: "/rest/api/3/issue/SUP-12/comment",
			status: 429, header: map[string]string{"Retry-After": "1"}, body: `{"errorMessages":["Rate limit exceeded."],"errors":{}}`}},
			status: StatusAttached, attempts: 2, check: func(t *testing.T, j *jiraFake, r runResult) {
				if len(j.attachments) != 1 || len(j.comments) != 1 {
					t.Errorf("attachments %d comments %d", len(j.attachments), len(j.comments))
				}
				if gap := j.times[2].Sub(j.times[1]); gap < time.Second {
					t.Errorf("retried after %s despite Retry-After: 1", gap)
				}
			}},
		{name: "502 then ok", inject: []zdInject{{method: "POST", path: "/rest/api/3/issue/SUP-12/attachments", status: 502, body: "Bad Gateway"}},
			status: StatusAttached, attempts: 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			token := secretFor(t)
			j, srv := newJiraFake("agent@example.com", token)
			defer srv.Close()
			j.inject = tc.inject
			use := token
			if tc.badToken {
				use = secretFor(t)
			}
			ticket := tc.ticket
			if ticket == "" {
				ticket = "SUP-12"
			}
			r := deliverOnce(t, newJira(t, srv.URL, "agent@example.com", use, tc.limit), ticket, 0, "https://intake.example/web/x")
			if r.final.Status != tc.status || r.final.Attempts != tc.attempts || !strings.Contains(r.final.Reason, tc.reason) {
				t.Errorf("final %s after %d attempts: %q; want %s after %d with %q", r.final.Status, r.final.Attempts, r.final.Reason, tc.status, tc.attempts, tc.reason)
			}
			if tc.check != nil {
				j.mu.Lock()
				tc.check(t, j, r)
				j.mu.Unlock()
			}
			r.noSecret(t, "agent@example.com", use)
			r.noSecret(t, "agent@example.com", token)
		})
	}
}
