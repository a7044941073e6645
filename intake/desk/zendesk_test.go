package desk

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// zendeskFake answers as Zendesk Support's API is documented (see docs/desk.md for the pages
// and their dates): the Uploads API, ticket updates with a comment, the error envelope
// {"error", "description", "details"}, 401/403/404/413/422/429 (Retry-After)/5xx.
type zendeskFake struct {
	email, token string
	maxUpload    int64
	tickets      map[string]bool

	mu       sync.Mutex
	uploads  map[string][]byte // by token
	comments []zdComment
	calls    []string
	times    []time.Time
	inject   []zdInject
	nextID   int64
}

type zdComment struct {
	Ticket  string
	Body    string   `json:"body"`
	Public  *bool    `json:"public"`
	Uploads []string `json:"uploads"`
}

// zdInject is a scripted answer for the next request matching method and path prefix.
type zdInject struct {
	method, path string
	status       int
	header       map[string]string
	body         string // "{auth}" is replaced by the request's Authorization header
}

func newZendeskFake(email, token string) (*zendeskFake, *httptest.Server) {
	z := &zendeskFake{email: email, token: token, maxUpload: 50_000_000, tickets: map[string]bool{"4821": true},
		uploads: map[string][]byte{}, nextID: 1000}
	return z, httptest.NewServer(z) // loopback
}

func (z *zendeskFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	z.mu.Lock()
	z.calls = append(z.calls, r.Method+" "+r.URL.Path)
	z.times = append(z.times, time.Now())
	for i, in := range z.inject {
		if in.method == r.Method && strings.HasPrefix(r.URL.Path, in.path) {
			z.inject = append(z.inject[:i], z.inject[i+1:]...)
			z.mu.Unlock()
			io.Copy(io.Discard, r.Body)
			for k, v := range in.header {
				w.Header().Set(k, v)
			}
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.WriteHeader(in.status)
			io.WriteString(w, strings.ReplaceAll(in.body, "{auth}", r.Header.Get("Authorization")))
			return
		}
	}
	z.mu.Unlock()
	reply := func(status int, v any) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(v)
	}
	want := "Basic " + base64.StdEncoding.EncodeToString([]byte(z.email+"/token:"+z.token))
	if r.Header.Get("Authorization") != want {
		reply(http.StatusUnauthorized, map[string]string{"error": "Couldn't authenticate you"})
		return
	}
	switch {
	case r.Method == http.MethodPost && (r.URL.Path == "/api/v2/uploads.json" || r.URL.Path == "/api/v2/uploads"):
		name := r.URL.Query().Get("filename")
		if name == "" || r.Header.Get("Content-Type") == "" {
			reply(http.StatusBadRequest, map[string]string{"error": "InvalidEndpoint", "description": "filename and Content-Type are required"})
			return
		}
		if r.ContentLength > z.maxUpload {
			w.WriteHeader(http.StatusRequestEntityTooLarge)
			io.WriteString(w, "Request Entity Too Large")
			return
		}
		data, _ := io.ReadAll(r.Body)
		z.mu.Lock()
		z.nextID++
		tok := fmt.Sprintf("zdup%d", z.nextID)
		z.uploads[tok] = data
		att := map[string]any{"id": z.nextID, "file_name": name, "content_type": r.Header.Get("Content-Type"),
			"content_url": "https://example.zendesk.com/attachments/token/x/?name=" + name, "size": len(data), "thumbnails": []any{}}
		z.mu.Unlock()
		reply(http.StatusCreated, map[string]any{"upload": map[string]any{"token": tok,
			"expires_at": time.Now().Add(time.Hour).UTC().Format(time.RFC3339), "attachment": att, "attachments": []any{att}}})
	case r.Method == http.MethodPut && strings.HasPrefix(r.URL.Path, "/api/v2/tickets/"):
		id := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/api/v2/tickets/"), ".json")
		if !z.tickets[id] {
			reply(http.StatusNotFound, map[string]string{"error": "RecordNotFound", "description": "Not found"})
			return
		}
		var body struct {
			Ticket struct {
				Comment zdComment `json:"comment"`
			} `json:"ticket"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Ticket.Comment.Body == "" {
			reply(http.StatusBadRequest, map[string]string{"error": "InvalidJSON", "description": "bad body"})
			return
		}
		c := body.Ticket.Comment
		c.Ticket = id
		z.mu.Lock()
		defer z.mu.Unlock()
		for _, tok := range c.Uploads {
			if _, ok := z.uploads[tok]; !ok {
				w.Header().Set("Content-Type", "application/json; charset=utf-8")
				w.WriteHeader(http.StatusUnprocessableEntity)
				io.WriteString(w, `{"error":"RecordInvalid","description":"Record validation errors","details":{"base":[{"description":"Upload token is invalid"}]}}`)
				return
			}
		}
		z.comments = append(z.comments, c)
		z.nextID++
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		fmt.Fprintf(w, `{"ticket":{"id":%s,"status":"open"},"audit":{"id":%d,"ticket_id":%s,"events":[{"type":"Comment","public":false}]}}`, id, z.nextID, id)
	default:
		reply(http.StatusNotFound, map[string]string{"error": "InvalidEndpoint", "description": "Not found"})
	}
}

func (z *zendeskFake) count(prefix string) int {
	z.mu.Lock()
	defer z.mu.Unlock()
	n := 0
	for _, c := range z.calls {
		if strings.HasPrefix(c, prefix) {
			n++
		}
	}
	return n
}

func newZendesk(t *testing.T, url, user, token string, limit int64) Connector {
	t.Helper()
	c, err := New(Config{Kind: KindZendesk, URL: url, User: user, TokenEnv: "ZD_TOKEN", AttachmentLimit: limit}, envWith("ZD_TOKEN", token))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestZendeskAttachesWithPrivateComment(t *testing.T) {
	token := secretFor(t)
	z, srv := newZendeskFake("agent@example.com", token)
	defer srv.Close()
	_, data := testBundle(t)
	r := deliverOnce(t, newZendesk(t, srv.URL, "agent@example.com", token, 0), "4821", 0, "")
	if r.final.Status != StatusAttached || r.final.Attempts != 1 || !strings.HasPrefix(r.final.Ref, "audit ") {
		t.Fatalf("final %+v", r.final)
	}
	z.mu.Lock()
	defer z.mu.Unlock()
	if len(z.comments) != 1 || len(z.uploads) != 1 {
		t.Fatalf("comments %d uploads %d", len(z.comments), len(z.uploads))
	}
	c := z.comments[0]
	if c.Public == nil || *c.Public || len(c.Uploads) != 1 || !bytes.Equal(z.uploads[c.Uploads[0]], data) {
		t.Errorf("comment %+v; upload byte-identical %v", c, bytes.Equal(z.uploads[c.Uploads[0]], data))
	}
	for _, want := range []string{"Host: desk-test-host", "Verdict: 1 critical problem found", "- Host has been up for a while [acme.uptime]",
		"- Uptime is measured [acme.uptime-known]", "Attached to this comment."} {
		if !strings.Contains(c.Body, want) {
			t.Errorf("comment lacks %q:\n%s", want, c.Body)
		}
	}
	if z.calls[0] != "POST /api/v2/uploads.json" || z.calls[1] != "PUT /api/v2/tickets/4821.json" {
		t.Errorf("calls %v", z.calls)
	}
	r.noSecret(t, "agent@example.com", token)
}

func TestZendeskErrors(t *testing.T) {
	_, data := testBundle(t)
	for _, tc := range []struct {
		name     string
		inject   []zdInject
		ticket   string
		badToken bool
		size     int64 // declared size (for the limit); 0: the bundle's
		limit    int64
		status   string
		attempts int
		reason   string // in the final reason
		check    func(t *testing.T, z *zendeskFake, r runResult)
	}{
		{name: "401 wrong token", badToken: true, status: StatusFailed, attempts: 1,
			reason: ".tar.gz: HTTP 401: Zendesk refused the credentials (check desk.user, the agent's email, and the API token): Couldn't authenticate you"},
		{name: "403 echoing the credentials", inject: []zdInject{{method: "POST", path: "/api/v2/uploads", status: 403,
			body: `{"error":"Forbidden","description":"You do not have access to this page. Please contact the account owner. ({auth})"}`}},
			status: StatusFailed, attempts: 1, reason: "HTTP 403: the Zendesk user may not do this: Forbidden: You do not have access to this page. Please contact the account owner. (Basic [REDACTED])"},
		{name: "404 no such ticket", ticket: "999", status: StatusFailed, attempts: 1,
			reason: "Zendesk comment on ticket 999: HTTP 404: no such Zendesk ticket: RecordNotFound: Not found"},
		{name: "422 invalid record", inject: []zdInject{{method: "PUT", path: "/api/v2/tickets/", status: 422,
			body: `{"error":"RecordInvalid","description":"Record validation errors","details":{"base":[{"description":"Comment body too long"}]}}`}},
			status: StatusFailed, attempts: 1, reason: `HTTP 422: RecordInvalid: Record validation errors: {"base":[{"description":"Comment body too long"}]}`},
		{name: "not a ticket number", ticket: "SUP-1", status: StatusFailed, attempts: 1, reason: `"SUP-1" is not a Zendesk ticket number`},
		{name: "413 on upload: linked instead", inject: []zdInject{{method: "POST", path: "/api/v2/uploads", status: 413, body: "Request Entity Too Large"}},
			status: StatusLinked, attempts: 1, check: func(t *testing.T, z *zendeskFake, r runResult) {
				if len(z.comments) != 1 || len(z.comments[0].Uploads) != 0 || !strings.Contains(z.comments[0].Body, "On the intake: https://intake.example/web/x") {
					t.Errorf("comments %+v", z.comments)
				}
			}},
		{name: "above the limit: linked, nothing uploaded", limit: 100, status: StatusLinked, attempts: 1,
			check: func(t *testing.T, z *zendeskFake, r runResult) {
				if len(z.uploads) != 0 || len(z.comments) != 1 || !strings.Contains(z.comments[0].Body, "larger than the desk's attachment limit (100 bytes)") {
					t.Errorf("uploads %d comments %+v", len(z.uploads), z.comments)
				}
			}},
		{name: "429 with Retry-After: waited, upload not repeated", inject: []zdInject{{method: "PUT", path: "/api/v2/tickets/", status: 429,
			header: map[string]string{"Retry-After": "1"}, body: "Number of allowed API requests per minute exceeded"}},
			status: StatusAttached, attempts: 2, check: func(t *testing.T, z *zendeskFake, r runResult) {
				if len(z.uploads) != 1 || len(z.comments) != 1 || z.comments[0].Uploads[0] == "" {
					t.Errorf("uploads %d comments %+v", len(z.uploads), z.comments)
				}
				// calls: upload, PUT (429), PUT
				if gap := z.times[2].Sub(z.times[1]); gap < time.Second {
					t.Errorf("retried after %s despite Retry-After: 1", gap)
				}
				want := "pending (attempt 1: Zendesk comment on ticket 4821: HTTP 429: Number of allowed API requests per minute exceeded)"
				found := false
				for _, st := range r.states {
					found = found || st.String() == want
				}
				if !found {
					t.Errorf("no state shows %q: %+v", want, r.states)
				}
			}},
		{name: "503 then ok", inject: []zdInject{{method: "POST", path: "/api/v2/uploads", status: 503, body: `{"error":"ServiceUnavailable"}`}},
			status: StatusAttached, attempts: 2},
		{name: "500 every time: gives up", inject: []zdInject{
			{method: "POST", path: "/api/v2/uploads", status: 500}, {method: "POST", path: "/api/v2/uploads", status: 500},
			{method: "POST", path: "/api/v2/uploads", status: 500}, {method: "POST", path: "/api/v2/uploads", status: 500},
			{method: "POST", path: "/api/v2/uploads", status: 500}},
			status: StatusFailed, attempts: 5, reason: "gave up after 5 attempts: Zendesk upload of"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			token := secretFor(t)
			z, srv := newZendeskFake("agent@example.com", token)
			defer srv.Close()
			z.inject = tc.inject
			use := token
			if tc.badToken {
				use = secretFor(t)
			}
			ticket := tc.ticket
			if ticket == "" {
				ticket = "4821"
			}
			size := tc.size
			if size == 0 {
				size = int64(len(data))
			}
			r := deliverOnce(t, newZendesk(t, srv.URL, "agent@example.com", use, tc.limit), ticket, size, "https://intake.example/web/x")
			if r.final.Status != tc.status || r.final.Attempts != tc.attempts || !strings.Contains(r.final.Reason, tc.reason) {
				t.Errorf("final %s after %d attempts: %q; want %s after %d with %q", r.final.Status, r.final.Attempts, r.final.Reason, tc.status, tc.attempts, tc.reason)
			}
			if tc.check != nil {
				z.mu.Lock()
				tc.check(t, z, r)
				z.mu.Unlock()
			}
			r.noSecret(t, "agent@example.com", use)
			r.noSecret(t, "agent@example.com", token)
		})
	}
}
