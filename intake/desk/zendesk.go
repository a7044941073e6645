package desk

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// Zendesk comments on Zendesk Support tickets: the bundle goes up with the Uploads API
// (POST /api/v2/uploads.json?filename=, raw bytes, 201 with an upload token), then a private
// comment (public: false) names the token in its uploads (PUT /api/v2/tickets/{id}.json).
// Authentication: basic, "{email}/token" and the API token.
type Zendesk struct{ h *httpDesk }

// Kind is "zendesk".
func (z *Zendesk) Kind() string { return KindZendesk }

// Limit is the attachment limit.
func (z *Zendesk) Limit() int64 { return z.h.cfg.AttachmentLimit }

var zendeskTicketRe = regexp.MustCompile(`^[0-9]{1,18}$`)

// An upload token is good for 60 minutes (Zendesk's documentation); one older than this is
// not reused by a retry.
const zendeskTokenReuse = 45 * time.Minute

// Deliver uploads the bundle (unless an earlier attempt did, recently) and adds the comment.
func (z *Zendesk) Deliver(ctx context.Context, d *Delivery) (string, error) {
	if !zendeskTicketRe.MatchString(d.Ticket) {
		return "", &Error{Op: "Zendesk comment on ticket " + d.Ticket, Msg: fmt.Sprintf("%q is not a Zendesk ticket number", d.Ticket)}
	}
	comment := map[string]any{"body": Text(d), "public": false}
	if d.Attach {
		tok := d.Progress["zendesk_upload"]
		if at, err := time.Parse(time.RFC3339, d.Progress["zendesk_upload_at"]); tok != "" && (err != nil || time.Since(at) > zendeskTokenReuse) {
			tok = ""
		}
		if tok == "" {
			var err error
			if tok, err = z.upload(ctx, d); err != nil {
				return "", err
			}
			d.Note("zendesk_upload", tok)
			d.Note("zendesk_upload_at", time.Now().UTC().Format(time.RFC3339))
		}
		comment["uploads"] = []string{tok}
	}
	body, err := json.Marshal(map[string]any{"ticket": map[string]any{"comment": comment}})
	if err != nil {
		return "", err
	}
	op := "Zendesk comment on ticket " + d.Ticket
	ctx, cancel := context.WithTimeout(ctx, z.h.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequest(http.MethodPut, z.h.base+"/api/v2/tickets/"+d.Ticket+".json", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	_, resp, err := z.h.do(ctx, op, req, zendeskMessage)
	if err != nil {
		return "", zendeskExplain(err)
	}
	var res struct {
		Audit struct {
			ID int64 `json:"id"`
		} `json:"audit"`
	}
	if json.Unmarshal(resp, &res) == nil && res.Audit.ID != 0 {
		return fmt.Sprintf("audit %d", res.Audit.ID), nil
	}
	return "ticket " + d.Ticket, nil
}

func (z *Zendesk) upload(ctx context.Context, d *Delivery) (string, error) {
	op := "Zendesk upload of " + d.FileName
	f, err := d.Open()
	if err != nil {
		return "", &Error{Op: op, Msg: "reading the bundle from storage: " + err.Error(), Temporary: true}
	}
	defer f.Close()
	ctx, cancel := context.WithTimeout(ctx, z.h.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequest(http.MethodPost, z.h.base+"/api/v2/uploads.json?filename="+url.QueryEscape(d.FileName), f)
	if err != nil {
		return "", err
	}
	req.ContentLength = d.Size
	req.Header.Set("Content-Type", d.FileType)
	_, body, err := z.h.do(ctx, op, req, zendeskMessage)
	if err != nil {
		return "", zendeskExplain(err)
	}
	var res struct {
		Upload struct {
			Token string `json:"token"`
		} `json:"upload"`
	}
	if err := json.Unmarshal(body, &res); err != nil || res.Upload.Token == "" {
		return "", &Error{Op: op, Msg: "the answer holds no upload token", Temporary: true}
	}
	return res.Upload.Token, nil
}

// zendeskMessage reads Zendesk's error envelope: {"error": "RecordNotFound", "description":
// "Not found", "details": {...}}; "error" is sometimes an object {"title", "message"}, and a
// 429 may come as plain text.
func zendeskMessage(b []byte) string {
	var e struct {
		Error       json.RawMessage `json:"error"`
		Description string          `json:"description"`
		Details     json.RawMessage `json:"details"`
	}
	if json.Unmarshal(b, &e) != nil {
		return strings.TrimSpace(string(b))
	}
	var parts []string
	var s string
	var o struct{ Title, Message string }
	switch {
	case json.Unmarshal(e.Error, &s) == nil && s != "":
		parts = append(parts, s)
	case json.Unmarshal(e.Error, &o) == nil && (o.Title != "" || o.Message != ""):
		parts = append(parts, strings.TrimSpace(o.Title+" "+o.Message))
	}
	if e.Description != "" {
		parts = append(parts, e.Description)
	}
	if len(e.Details) > 0 && string(e.Details) != "null" && string(e.Details) != "{}" {
		parts = append(parts, string(e.Details))
	}
	if len(parts) == 0 {
		return strings.TrimSpace(string(b))
	}
	return strings.Join(parts, ": ")
}

func zendeskExplain(err error) error {
	e, ok := err.(*Error)
	if !ok {
		return err
	}
	switch e.Status {
	case http.StatusUnauthorized:
		e.Msg = "Zendesk refused the credentials (check desk.user, the agent's email, and the API token): " + e.Msg
	case http.StatusForbidden:
		e.Msg = "the Zendesk user may not do this: " + e.Msg
	case http.StatusNotFound:
		e.Msg = "no such Zendesk ticket: " + e.Msg
	}
	return e
}
