package intake

import (
	"context"
	"crypto/hmac"
	"embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"time"
)

// The engineers' web view (/web/) and the customers' upload page (/u/<upload token>):
// server-rendered HTML from embedded templates, no build step, nothing loaded from elsewhere.
// See docs/web.md.

//go:embed web
var webFiles embed.FS

// WebPath is where the engineers' web view lives; UploadPagePath the customers' upload page.
const (
	WebPath        = "/web/"
	UploadPagePath = "/u/"
	staticPath     = WebPath + "static/"
)

// Content Security Policies: the web view's own pages load only their own stylesheet (and the
// upload page its own scripts); a bundle's report.html is the customer machine's content, shown
// sandboxed (an opaque origin: no script, no cookie, no request).
const (
	cspPages  = "default-src 'none'; style-src 'self'; img-src 'self' data:; script-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
	cspUpload = "default-src 'none'; style-src 'self'; img-src 'self' data:; script-src 'self'; connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'"
	// form-action, base-uri and frame-ancestors repeat what sandbox and X-Frame-Options already
	// forbid, for a browser that ignores the sandbox directive.
	cspReport = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'; base-uri 'none'; frame-ancestors 'none'; sandbox"
)

// sessionCookie holds a session made from an engineer token at login: the engineer token's id,
// the engineer's name and an expiry, signed with the server's key (prefix cfs1., which an upload
// or engineer token can never be). Every request checks it, and the engineer token's revocation.
const (
	sessionCookie = "casefile_session"
	sessionPrefix = "cfs1."
	csrfPrefix    = "cfcsrf1."
	// SessionTTL bounds a session; it never outlives the engineer token it was made from.
	SessionTTL = 12 * time.Hour
)

type session struct {
	ID       string `json:"id"` // the engineer token's id
	Engineer string `json:"eng"`
	Exp      int64  `json:"exp"`
	// SID is the session's own random id: logout revokes it (in the same revocation list as
	// tokens), so a copy of the cookie stops working at logout, not at its expiry. Empty for
	// a Bearer token.
	SID string `json:"sid,omitempty"`
}

type webUI struct {
	s     *Server
	pages map[string]*template.Template
	views *viewCache
	csrf  *http.CrossOriginProtection
}

func newWebUI(s *Server) *webUI {
	funcs := template.FuncMap{
		"bytes": humanSize,
		"time":  func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") },
		"short": func(s string) string {
			if len(s) > 12 {
				return s[:12]
			}
			return s
		},
		"desk":   deskStatus,
		"clip":   clip,
		"plural": func(n int, what string) string { return plural(n, what) },
	}
	w := &webUI{s: s, pages: map[string]*template.Template{}, views: newViewCache(s), csrf: http.NewCrossOriginProtection()}
	for _, p := range []string{"login", "tickets", "ticket", "bundle", "error", "upload", "reload"} {
		w.pages[p] = template.Must(template.New(p).Funcs(funcs).ParseFS(webFiles, "web/layout.html", "web/partials.html", "web/"+p+".html"))
	}
	return w
}

// registerWeb adds the web view and the upload page to mux.
func (s *Server) registerWeb(mux *http.ServeMux) {
	w := newWebUI(s)
	web := http.NewServeMux()
	web.HandleFunc("GET "+staticPath+"{file}", w.static)
	web.HandleFunc("GET "+WebPath+"login", w.loginForm)
	web.HandleFunc("POST "+WebPath+"login", w.login)
	web.HandleFunc("POST "+WebPath+"logout", w.auth(w.logout))
	web.HandleFunc("GET "+WebPath+"{$}", w.auth(w.tickets))
	web.HandleFunc("GET "+WebPath+"t/{ticket}/{$}", w.auth(w.ticket))
	web.HandleFunc("GET "+WebPath+"t/{ticket}/b/{id}/{$}", w.auth(w.bundle))
	web.HandleFunc("GET "+WebPath+"t/{ticket}/b/{id}/report.html", w.auth(w.report))
	web.HandleFunc("GET "+WebPath+"t/{ticket}/b/{id}/download", w.auth(w.download))
	web.HandleFunc(WebPath, w.auth(func(rw http.ResponseWriter, r *http.Request, _ session) {
		w.fail(rw, r, http.StatusNotFound, "There is no such page.")
	}))
	mux.Handle(WebPath, w.headers(w.csrf.Handler(web)))
	mux.Handle("GET "+UploadPagePath+"{token}", w.headers(http.HandlerFunc(w.uploadPage)))
	// Anything else under /u/ (a link cut or run on, another method) holds a token too: the
	// same headers (no Referer, not stored) and a page that says what to do.
	mux.Handle(UploadPagePath, w.headers(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Cache-Control", "no-store")
		rw.Header().Set("X-Robots-Tag", "noindex")
		w.render(rw, r, http.StatusNotFound, "upload", pageData{Title: "Upload a bundle",
			Error: "This is not an upload link: open the whole link your support contact sent, or ask for a new one."})
	})))
}

// headers sets what every page of the web view and the upload page carries.
func (w *webUI) headers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		h := rw.Header()
		h.Set("Content-Security-Policy", cspPages)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		next.ServeHTTP(rw, r)
	})
}

func (w *webUI) static(rw http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	types := map[string]string{".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}
	ct := ""
	for ext, t := range types {
		if strings.HasSuffix(name, ext) {
			ct = t
		}
	}
	data, err := fs.ReadFile(webFiles, "web/static/"+name)
	if ct == "" || err != nil || strings.ContainsAny(name, "/\\") {
		http.NotFound(rw, r)
		return
	}
	rw.Header().Set("Content-Type", ct)
	rw.Header().Set("Cache-Control", "no-cache")
	http.ServeContent(rw, r, name, time.Time{}, strings.NewReader(string(data)))
}

// secure reports whether the browser reached us over TLS (directly, or through a proxy that
// says so: trusting the header can only make the cookie stricter).
func secure(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// errUploadTokenReads is the answer to an upload token anywhere in the web view.
var errUploadTokenReads = errors.New("an upload token cannot read anything: log in with an engineer token (casefile intake token --engineer NAME)")

// engineer authenticates a request: an engineer token as Bearer (scripts, curl), else the
// session cookie. An upload token, in either place, is refused.
func (w *webUI) engineer(r *http.Request) (session, int, error) {
	now := w.s.opt.Now()
	if h := r.Header.Get("Authorization"); h != "" {
		tok := bearer(r)
		c, err := VerifyEngineer(w.s.opt.Key, w.s.rev, tok, now)
		if errors.Is(err, ErrTokenKind) {
			return session{}, http.StatusForbidden, errUploadTokenReads
		}
		if err != nil {
			return session{}, http.StatusUnauthorized, err
		}
		return session{ID: c.ID, Engineer: c.Engineer, Exp: c.Exp}, 0, nil
	}
	ck, err := r.Cookie(sessionCookie)
	if err != nil {
		return session{}, http.StatusUnauthorized, errors.New("not logged in")
	}
	if strings.HasPrefix(ck.Value, tokenPrefix) {
		return session{}, http.StatusForbidden, errUploadTokenReads
	}
	payload, err := verifyMAC(w.s.opt.Key, sessionPrefix, ck.Value)
	if err != nil {
		return session{}, http.StatusUnauthorized, errors.New("the session is not valid: log in again")
	}
	var se session
	if json.Unmarshal(payload, &se) != nil || !tokenIDRe.MatchString(se.ID) || !tokenIDRe.MatchString(se.SID) || !ValidEngineer(se.Engineer) {
		return session{}, http.StatusUnauthorized, errors.New("the session is not valid: log in again")
	}
	if now.Unix() >= se.Exp {
		return session{}, http.StatusUnauthorized, errors.New("the session expired: log in again")
	}
	if w.s.rev.Revoked(se.ID) {
		return session{}, http.StatusUnauthorized, ErrEngineerRevoked
	}
	if w.s.rev.Revoked(se.SID) {
		return session{}, http.StatusUnauthorized, errors.New("the session was logged out: log in again")
	}
	return se, 0, nil
}

// auth runs next for an authenticated engineer. A browser without a session is sent to the
// login page; a refused token gets its status and reason.
func (w *webUI) auth(next func(http.ResponseWriter, *http.Request, session)) http.HandlerFunc {
	return func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Cache-Control", "no-store")
		se, status, err := w.engineer(r)
		if err != nil {
			w.s.log.Warn("web view refused", "status", status, "reason", err.Error(), "path", logPath(r.URL.Path), "remote", r.RemoteAddr)
			if status == http.StatusUnauthorized && r.Header.Get("Authorization") == "" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
				target := r.URL.EscapedPath()
				if r.URL.RawQuery != "" {
					target += "?" + r.URL.RawQuery
				}
				if _, none := r.Cookie(sessionCookie); none != nil && r.Header.Get("Sec-Fetch-Mode") == "navigate" &&
					r.Header.Get("Sec-Fetch-Site") != "" && r.Header.Get("Sec-Fetch-Site") != "same-origin" &&
					strings.HasPrefix(target, WebPath) && !strings.ContainsAny(target, "\\\"'<> ") {
					// A link from another site (a desk comment): the SameSite=Strict cookie was
					// held back. Load the same page again from here, which sends it; without a
					// session that load comes back same-origin and goes to the login page.
					w.render(rw, r, http.StatusOK, "reload", pageData{Title: "Opening", Data: target})
					return
				}
				if _, none := r.Cookie(sessionCookie); none == nil {
					http.SetCookie(rw, w.expiredCookie(r))
				}
				http.Redirect(rw, r, WebPath+"login", http.StatusSeeOther)
				return
			}
			w.fail(rw, r, status, err.Error())
			return
		}
		next(rw, r, se)
	}
}

// logPath is a request path as the log may hold it: a segment that could be a token (one pasted
// into the address bar, /web/cfe1.…) is replaced by [token].
func logPath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		if len(s) > 64 || strings.HasPrefix(s, tokenPrefix) || strings.HasPrefix(s, engineerPrefix) || strings.HasPrefix(s, sessionPrefix) {
			segs[i] = "[token]"
		}
	}
	return strings.Join(segs, "/")
}

func (w *webUI) sessionValue(se session) string {
	payload, _ := json.Marshal(se)
	return signPayload(w.s.opt.Key, sessionPrefix, payload)
}

// csrfToken is the logout form's token, bound to the session (SameSite=Strict and the
// cross-origin check are the first line; this is the second).
func (w *webUI) csrfToken(r *http.Request) string {
	ck, err := r.Cookie(sessionCookie)
	if err != nil {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString(mac(w.s.opt.Key, csrfPrefix, ck.Value))
}

func (w *webUI) cookie(r *http.Request, value string, exp time.Time) *http.Cookie {
	return &http.Cookie{Name: sessionCookie, Value: value, Path: WebPath, Expires: exp, HttpOnly: true,
		Secure: secure(r), SameSite: http.SameSiteStrictMode}
}

func (w *webUI) expiredCookie(r *http.Request) *http.Cookie {
	c := w.cookie(r, "", time.Unix(0, 0))
	c.MaxAge = -1
	return c
}

type pageData struct {
	Title    string
	Engineer string
	CSRF     string
	Error    string
	Data     any
}

func (w *webUI) render(rw http.ResponseWriter, r *http.Request, status int, page string, d pageData) {
	rw.Header().Set("Content-Type", "text/html; charset=utf-8")
	var sb strings.Builder
	if err := w.pages[page].ExecuteTemplate(&sb, "layout", d); err != nil {
		w.s.log.Error("web view template failed", "page", page, "err", err)
		http.Error(rw, "internal error", http.StatusInternalServerError)
		return
	}
	rw.WriteHeader(status)
	if r.Method != http.MethodHead {
		rw.Write([]byte(sb.String()))
	}
}

func (w *webUI) fail(rw http.ResponseWriter, r *http.Request, status int, msg string) {
	rw.Header().Set("Cache-Control", "no-store")
	w.render(rw, r, status, "error", pageData{Title: http.StatusText(status), Error: msg})
}

func (w *webUI) loginForm(rw http.ResponseWriter, r *http.Request) {
	rw.Header().Set("Cache-Control", "no-store")
	w.render(rw, r, http.StatusOK, "login", pageData{Title: "Log in"})
}

func (w *webUI) login(rw http.ResponseWriter, r *http.Request) {
	rw.Header().Set("Cache-Control", "no-store")
	r.Body = http.MaxBytesReader(rw, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		w.render(rw, r, http.StatusBadRequest, "login", pageData{Title: "Log in", Error: "The form could not be read."})
		return
	}
	tok := strings.TrimSpace(r.PostForm.Get("token"))
	c, err := VerifyEngineer(w.s.opt.Key, w.s.rev, tok, w.s.opt.Now())
	status := http.StatusUnauthorized
	if errors.Is(err, ErrTokenKind) {
		err, status = errUploadTokenReads, http.StatusForbidden
	}
	if err != nil {
		w.s.log.Warn("web login refused", "reason", err.Error(), "remote", r.RemoteAddr)
		w.render(rw, r, status, "login", pageData{Title: "Log in", Error: err.Error()})
		return
	}
	exp := w.s.opt.Now().Add(SessionTTL)
	if t := time.Unix(c.Exp, 0); t.Before(exp) {
		exp = t
	}
	sid, err := NewClaims("-", exp, 0, 0) // a random id
	if err != nil {
		w.fail(rw, r, http.StatusInternalServerError, "No session could be made.")
		return
	}
	http.SetCookie(rw, w.cookie(r, w.sessionValue(session{ID: c.ID, Engineer: c.Engineer, Exp: exp.Unix(), SID: sid.ID}), exp))
	w.s.log.Info("web login", "engineer", c.Engineer, "token_id", c.ID, "remote", r.RemoteAddr)
	http.Redirect(rw, r, WebPath, http.StatusSeeOther)
}

func (w *webUI) logout(rw http.ResponseWriter, r *http.Request, se session) {
	r.Body = http.MaxBytesReader(rw, r.Body, 16<<10)
	want := w.csrfToken(r)
	if r.ParseForm() != nil || want == "" || !hmac.Equal([]byte(r.PostForm.Get("csrf")), []byte(want)) {
		w.fail(rw, r, http.StatusForbidden, "The logout form is stale or came from another page: reload and try again.")
		return
	}
	if err := w.s.rev.Revoke(se.SID); err != nil {
		w.s.log.Error("web logout: the session could not be revoked; it stays valid until it expires", "engineer", se.Engineer, "err", err)
		w.fail(rw, r, http.StatusInternalServerError, "The logout could not be recorded: close the browser to end the session.")
		return
	}
	http.SetCookie(rw, w.expiredCookie(r))
	w.s.log.Info("web logout", "engineer", se.Engineer, "token_id", se.ID)
	http.Redirect(rw, r, WebPath+"login", http.StatusSeeOther)
}

func (w *webUI) page(r *http.Request, se session, title string, data any) pageData {
	return pageData{Title: title, Engineer: se.Engineer, CSRF: w.csrfToken(r), Data: data}
}

// ticketRow is one line of the tickets list.
type ticketRow struct {
	Ticket   string
	Bundles  int
	Latest   time.Time
	Findings Counts
	Statuses string
}

func (w *webUI) tickets(rw http.ResponseWriter, r *http.Request, se session) {
	recs, err := w.s.idx.List("")
	if err != nil {
		w.fail(rw, r, http.StatusInternalServerError, "The index could not be read.")
		w.s.log.Error("web view: listing the index failed", "err", err)
		return
	}
	by := map[string]*ticketRow{}
	statuses := map[string]map[string]int{}
	for _, rec := range recs {
		t := by[rec.Ticket]
		if t == nil {
			t = &ticketRow{Ticket: rec.Ticket}
			by[rec.Ticket], statuses[rec.Ticket] = t, map[string]int{}
		}
		t.Bundles++
		if rec.ReceivedAt.After(t.Latest) {
			t.Latest = rec.ReceivedAt
		}
		t.Findings.Critical += rec.Findings.Critical
		t.Findings.Warning += rec.Findings.Warning
		t.Findings.Info += rec.Findings.Info
		statuses[rec.Ticket][rec.Status]++
	}
	rows := make([]*ticketRow, 0, len(by))
	for _, t := range by {
		var parts []string
		for _, st := range []string{StatusOK, StatusQuarantined, StatusEncrypted} {
			if n := statuses[t.Ticket][st]; n > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", n, st))
			}
		}
		t.Statuses = strings.Join(parts, ", ")
		rows = append(rows, t)
	}
	sort.Slice(rows, func(i, j int) bool {
		if !rows[i].Latest.Equal(rows[j].Latest) {
			return rows[i].Latest.After(rows[j].Latest)
		}
		return rows[i].Ticket < rows[j].Ticket
	})
	w.render(rw, r, http.StatusOK, "tickets", w.page(r, se, "Tickets", rows))
}

// record finds a record of the index by ticket and id.
func (w *webUI) record(r *http.Request) (Record, bool, error) {
	ticket, id := r.PathValue("ticket"), r.PathValue("id")
	if !ValidTicket(ticket) {
		return Record{}, false, nil
	}
	recs, err := w.s.idx.List(ticket)
	if err != nil {
		return Record{}, false, err
	}
	for _, rec := range recs {
		if rec.ID == id {
			return rec, true, nil
		}
	}
	return Record{}, false, nil
}

type ticketPage struct {
	Ticket  string
	Total   int
	Bundles []*bundlePage // the newest maxTicketCards, read from their bundles
	Older   []ticketOlder // the next maxTicketRows, from the index alone
	More    int           // older still, not listed
}

// ticketOlder is a bundle listed from its record only (no bundle is read for it).
type ticketOlder struct {
	Rec  Record
	Link string
}

// maxTicketCards bounds the bundles a ticket page reads: a customer can upload many, and each
// card reads its bundle.
const maxTicketCards = 50

// maxTicketRows bounds the older bundles listed under the cards (a page of 100,000 rows would be
// tens of megabytes).
const maxTicketRows = 1000

// ticketReadBudget bounds the time a ticket page waits for bundles to be read (the first time
// each is shown: a large bundle decompresses for seconds); the cards not read by then say so,
// their reads go on, and a reload shows them. A variable for the tests.
var ticketReadBudget = 10 * time.Second

func (w *webUI) ticket(rw http.ResponseWriter, r *http.Request, se session) {
	ticket := r.PathValue("ticket")
	if !ValidTicket(ticket) {
		w.fail(rw, r, http.StatusNotFound, "There is no such ticket.")
		return
	}
	recs, err := w.s.idx.List(ticket)
	if err != nil {
		w.s.log.Error("web view: listing the index failed", "err", err)
		w.fail(rw, r, http.StatusInternalServerError, "The index could not be read.")
		return
	}
	if len(recs) == 0 {
		w.fail(rw, r, http.StatusNotFound, fmt.Sprintf("No bundle has arrived for ticket %s.", ticket))
		return
	}
	p := ticketPage{Ticket: ticket, Total: len(recs)}
	ctx, cancel := context.WithTimeout(r.Context(), ticketReadBudget)
	defer cancel()
	for i := len(recs) - 1; i >= 0; i-- { // newest first
		if len(p.Bundles) < maxTicketCards {
			p.Bundles = append(p.Bundles, w.views.page(ctx, recs[i]))
		} else if len(p.Older) < maxTicketRows {
			p.Older = append(p.Older, ticketOlder{Rec: recs[i], Link: WebBundlePath(recs[i])})
		} else {
			p.More++
		}
	}
	w.render(rw, r, http.StatusOK, "ticket", w.page(r, se, "Ticket "+ticket, p))
}

func (w *webUI) bundle(rw http.ResponseWriter, r *http.Request, se session) {
	rec, ok, err := w.record(r)
	if err != nil {
		w.s.log.Error("web view: listing the index failed", "err", err)
		w.fail(rw, r, http.StatusInternalServerError, "The index could not be read.")
		return
	}
	if !ok {
		w.fail(rw, r, http.StatusNotFound, "There is no such bundle.")
		return
	}
	p := w.views.page(r.Context(), rec)
	w.render(rw, r, http.StatusOK, "bundle", w.page(r, se, "Bundle "+short(rec.SHA256)+" · ticket "+rec.Ticket, p))
}

func short(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}

// report serves the bundle's own report.html: untrusted content from a customer's machine, read
// with the bundle package's hardened reader and shown under a sandboxing policy.
func (w *webUI) report(rw http.ResponseWriter, r *http.Request, _ session) {
	rec, ok, err := w.record(r)
	if err != nil || !ok || !hasReport(rec) {
		w.fail(rw, r, http.StatusNotFound, "This bundle has no report.html that can be shown.")
		return
	}
	data, err := w.views.report(r.Context(), rec)
	if err != nil {
		w.s.log.Warn("web view: reading report.html failed", "path", rec.Path, "err", err)
		w.fail(rw, r, http.StatusNotFound, "This bundle has no report.html that can be shown: "+err.Error())
		return
	}
	h := rw.Header()
	h.Set("Content-Security-Policy", cspReport)
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", fmt.Sprint(len(data)))
	rw.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		rw.Write(data)
	}
}

// download sends the stored bundle as it is kept (ciphertext for an encrypted one).
func (w *webUI) download(rw http.ResponseWriter, r *http.Request, se session) {
	rec, ok, err := w.record(r)
	if err != nil || !ok {
		w.fail(rw, r, http.StatusNotFound, "There is no such bundle.")
		return
	}
	h := rw.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Disposition", `attachment; filename="`+downloadName(rec)+`"`)
	w.s.log.Info("web download", "engineer", se.Engineer, "ticket", rec.Ticket, "path", rec.Path)
	if err := w.views.serveStored(rw, r, rec); err != nil {
		h.Del("Content-Disposition")
		h.Del("Content-Type")
		w.s.log.Error("web view: reading a stored bundle failed", "path", rec.Path, "err", err)
		w.fail(rw, r, http.StatusInternalServerError, "The bundle could not be read from storage.")
	}
}

// downloadName is the file name offered for a download: the client's name when it is a name
// casefile writes (letters, digits, '.', '-', '_'; nothing to quote, escape or misread), else
// <sha256>.<ext>.
func downloadName(rec Record) string {
	base := rec.Path[strings.LastIndex(rec.Path, "/")+1:]
	if n := rec.Filename; len(n) <= 200 && bundleNameRe.MatchString(n) {
		return n
	}
	return base
}

var bundleNameRe = regexp.MustCompile(`^casefile-[A-Za-z0-9][A-Za-z0-9._-]*\.(tar\.gz|tar\.zst|zip)(\.age)?$`)

// deskStatus is the desk connector's status of a record when it has one, read from the record's
// "desk" field as the record's JSON holds it (a string, or an object with kind, status and
// reason), so the web view shows what `intake list` shows without depending on its type.
func deskStatus(rec Record) string {
	data, err := json.Marshal(rec)
	if err != nil {
		return ""
	}
	return deskStatusJSON(data)
}

func deskStatusJSON(record []byte) string {
	var m map[string]json.RawMessage
	if json.Unmarshal(record, &m) != nil || len(m["desk"]) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(m["desk"], &s) == nil {
		return s
	}
	var o map[string]any
	if json.Unmarshal(m["desk"], &o) != nil {
		return ""
	}
	st, _ := o["status"].(string)
	if k, _ := o["kind"].(string); k != "" && st != "" {
		st = k + ": " + st
	}
	for _, k := range []string{"reason", "error"} {
		if v, _ := o[k].(string); v != "" {
			return st + " (" + v + ")"
		}
	}
	return st
}

func humanSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
