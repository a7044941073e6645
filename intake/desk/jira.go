package desk

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
)

// Jira comments on Jira Cloud issues through REST v3: the bundle goes up as an issue attachment
// (POST /rest/api/3/issue/{key}/attachments, multipart field "file", X-Atlassian-Token:
// no-check), then a comment (POST /rest/api/3/issue/{key}/comment) with an Atlassian Document
// Format body and the property sd.public.comment {"internal": true}, which Jira Service
// Management reads to keep the comment internal (agents only). Authentication: basic, the
// account's email and an API token.
type Jira struct{ h *httpDesk }

// Kind is "jira".
func (j *Jira) Kind() string { return KindJira }

// Limit is the attachment limit.
func (j *Jira) Limit() int64 { return j.h.cfg.AttachmentLimit }

// An issue key (ABC-123) or an issue id.
var jiraIssueRe = regexp.MustCompile(`^([A-Z][A-Z0-9_]{0,30}-[0-9]{1,12}|[0-9]{1,18})$`)

// Deliver attaches the bundle (unless an earlier attempt did) and adds the comment.
func (j *Jira) Deliver(ctx context.Context, d *Delivery) (string, error) {
	if !jiraIssueRe.MatchString(d.Ticket) {
		return "", &Error{Op: "Jira comment on " + d.Ticket, Msg: fmt.Sprintf("%q is not a Jira issue key (ABC-123) or id", d.Ticket)}
	}
	lines := Lines(d)
	if d.Attach {
		id := d.Progress["jira_attachment"]
		if id == "" {
			var err error
			if id, err = j.attach(ctx, d); err != nil {
				return "", err
			}
			d.Note("jira_attachment", id)
		}
		lines[len(lines)-1] = fmt.Sprintf("Attached to this issue: %s (attachment %s).", d.FileName, id)
	}
	body, err := json.Marshal(map[string]any{
		"body":       adf(lines),
		"properties": []any{map[string]any{"key": "sd.public.comment", "value": map[string]any{"internal": true}}},
	})
	if err != nil {
		return "", err
	}
	op := "Jira comment on " + d.Ticket
	ctx, cancel := context.WithTimeout(ctx, j.h.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequest(http.MethodPost, j.h.base+"/rest/api/3/issue/"+d.Ticket+"/comment", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	_, resp, err := j.h.do(ctx, op, req, jiraMessage)
	if err != nil {
		return "", jiraExplain(err)
	}
	var res struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(resp, &res) == nil && res.ID != "" {
		return "comment " + res.ID, nil
	}
	return "issue " + d.Ticket, nil
}

var quoteEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\r", "", "\n", "")

// attach streams the bundle as multipart/form-data with a known length.
func (j *Jira) attach(ctx context.Context, d *Delivery) (string, error) {
	op := "Jira attachment to " + d.Ticket
	f, err := d.Open()
	if err != nil {
		return "", &Error{Op: op, Msg: "reading the bundle from storage: " + err.Error(), Temporary: true}
	}
	defer f.Close()
	boundary := randomBoundary()
	head := "--" + boundary + "\r\n" +
		`Content-Disposition: form-data; name="file"; filename="` + quoteEscaper.Replace(d.FileName) + "\"\r\n" +
		"Content-Type: " + d.FileType + "\r\n\r\n"
	tail := "\r\n--" + boundary + "--\r\n"
	ctx, cancel := context.WithTimeout(ctx, j.h.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequest(http.MethodPost, j.h.base+"/rest/api/3/issue/"+d.Ticket+"/attachments",
		io.MultiReader(strings.NewReader(head), io.LimitReader(f, d.Size), strings.NewReader(tail)))
	if err != nil {
		return "", err
	}
	req.ContentLength = int64(len(head)+len(tail)) + d.Size
	req.Header.Set("Content-Type", "multipart/form-data; boundary="+boundary)
	req.Header.Set("X-Atlassian-Token", "no-check") // Jira blocks multipart posts without it (XSRF check)
	_, body, err := j.h.do(ctx, op, req, jiraMessage)
	if err != nil {
		return "", jiraExplain(err)
	}
	var res []struct {
		ID       json.RawMessage `json:"id"` // a string in v3's documentation; numbers accepted too
		Filename string          `json:"filename"`
		Size     int64           `json:"size"`
	}
	if err := json.Unmarshal(body, &res); err != nil || len(res) != 1 {
		return "", &Error{Op: op, Msg: "the answer is not the one attachment sent", Temporary: true}
	}
	if res[0].Size != d.Size {
		return "", &Error{Op: op, Msg: fmt.Sprintf("Jira stored %d bytes of %d", res[0].Size, d.Size), Temporary: true}
	}
	return strings.Trim(string(res[0].ID), `"`), nil
}

func randomBoundary() string {
	var b [16]byte
	readRandom(b[:])
	return fmt.Sprintf("casefile-%x", b)
}

// adf is the comment in Atlassian Document Format: a paragraph per block of lines, a hard
// break between lines, "- " lines as a bullet list.
func adf(lines []string) map[string]any {
	var content []any
	var para []any
	var list []any
	flushPara := func() {
		if len(para) > 0 {
			content = append(content, map[string]any{"type": "paragraph", "content": para})
			para = nil
		}
	}
	flushList := func() {
		if len(list) > 0 {
			content = append(content, map[string]any{"type": "bulletList", "content": list})
			list = nil
		}
	}
	text := func(s string) map[string]any { return map[string]any{"type": "text", "text": s} }
	for _, l := range lines {
		switch {
		case l == "":
			flushPara()
			flushList()
		case strings.HasPrefix(l, "- "):
			flushPara()
			list = append(list, map[string]any{"type": "listItem", "content": []any{
				map[string]any{"type": "paragraph", "content": []any{text(l[2:])}}}})
		default:
			flushList()
			if len(para) > 0 {
				para = append(para, map[string]any{"type": "hardBreak"})
			}
			para = append(para, text(l))
		}
	}
	flushPara()
	flushList()
	return map[string]any{"type": "doc", "version": 1, "content": content}
}

// jiraMessage reads Jira's error body: {"errorMessages": [...], "errors": {"field": "..."}}.
func jiraMessage(b []byte) string {
	var e struct {
		ErrorMessages []string          `json:"errorMessages"`
		Errors        map[string]string `json:"errors"`
		Message       string            `json:"message"`
	}
	if json.Unmarshal(b, &e) != nil {
		return strings.TrimSpace(string(b))
	}
	parts := append([]string{}, e.ErrorMessages...)
	for k, v := range e.Errors {
		parts = append(parts, k+": "+v)
	}
	if e.Message != "" {
		parts = append(parts, e.Message)
	}
	if len(parts) == 0 {
		return strings.TrimSpace(string(b))
	}
	return strings.Join(parts, "; ")
}

func jiraExplain(err error) error {
	e, ok := err.(*Error)
	if !ok {
		return err
	}
	switch e.Status {
	case http.StatusUnauthorized:
		e.Msg = "Jira refused the credentials (check desk.user, the account's email, and the API token): " + e.Msg
	case http.StatusForbidden:
		e.Msg = "the Jira user may not do this (or attachments are off): " + e.Msg
	case http.StatusNotFound:
		e.Msg = "no such Jira issue, or the user may not see it: " + e.Msg
	}
	return e
}
