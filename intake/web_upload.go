package intake

import (
	"net/http"
	"time"
)

// uploadPageData is what the customers' upload page shows and hands to its script.
type uploadPageData struct {
	Ticket   string
	MaxSize  int64
	Expires  time.Time
	Endpoint string
}

// uploadPage serves /u/<upload token>: a page from which a customer uploads a bundle with the
// browser, through tus (tus-js-client, vendored), authorised by the token in the address. The
// token is checked here only to say early that a link is dead; every tus request is checked
// again by guard. The page never names the token in its HTML, sends no Referer and is not
// cached; the log never holds it.
func (w *webUI) uploadPage(rw http.ResponseWriter, r *http.Request) {
	h := rw.Header()
	h.Set("Content-Security-Policy", cspUpload)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Robots-Tag", "noindex")
	c, err := Verify(w.s.opt.Key, w.s.rev, r.PathValue("token"), w.s.opt.Now())
	if err != nil {
		w.s.log.Warn("upload page refused", "reason", err.Error(), "token_id", c.ID, "remote", r.RemoteAddr)
		msg := "This upload link does not work: " + err.Error() + ". Ask your support contact for a new link."
		if err == ErrTokenKind {
			msg = "This is an engineer token, not an upload link: engineers log in at " + WebPath + "."
		}
		w.render(rw, r, http.StatusUnauthorized, "upload", pageData{Title: "Upload a bundle", Error: msg})
		return
	}
	d := uploadPageData{Ticket: c.Ticket, MaxSize: w.s.maxFor(c), Expires: time.Unix(c.Exp, 0), Endpoint: BasePath}
	w.render(rw, r, http.StatusOK, "upload", pageData{Title: "Upload a bundle for ticket " + c.Ticket, Data: d})
}
