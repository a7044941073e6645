package desk

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
)

// RT comments on Request Tracker 5 tickets through REST2
// (POST /REST/2.0/ticket/{id}/comment with base64 Attachments). Comments are private in RT:
// requestors do not get them.
type RT struct{ h *httpDesk }

// Kind is "rt".
func (r *RT) Kind() string { return KindRT }

// Limit is the attachment limit.
func (r *RT) Limit() int64 { return r.h.cfg.AttachmentLimit }

var rtTicketRe = regexp.MustCompile(`^[0-9]{1,18}$`)

// Deliver posts one comment, the bundle in it when d.Attach. The body is streamed: the bundle
// is base64-encoded on the way, never held in memory.
func (r *RT) Deliver(ctx context.Context, d *Delivery) (string, error) {
	op := "RT comment on ticket " + d.Ticket
	if !rtTicketRe.MatchString(d.Ticket) {
		return "", &Error{Op: op, Msg: fmt.Sprintf("%q is not an RT ticket number", d.Ticket)}
	}
	head, err := json.Marshal(struct {
		Subject     string
		Content     string
		ContentType string
	}{Subject(d), Text(d), "text/plain"})
	if err != nil {
		return "", err
	}
	var body io.Reader = bytes.NewReader(head)
	length := int64(len(head))
	if d.Attach {
		f, err := d.Open()
		if err != nil {
			return "", &Error{Op: op, Msg: "reading the bundle from storage: " + err.Error(), Temporary: true}
		}
		defer f.Close()
		meta, _ := json.Marshal(d.FileName)
		typ, _ := json.Marshal(d.FileType)
		pre := []byte(`,"Attachments":[{"FileName":` + string(meta) + `,"FileType":` + string(typ) + `,"FileContent":"`)
		post := []byte(`"}]}`)
		head = head[:len(head)-1] // the closing brace comes after the attachments
		pr, pw := io.Pipe()
		go func() {
			enc := base64.NewEncoder(base64.StdEncoding, pw)
			n, err := io.Copy(enc, f)
			if err == nil {
				err = enc.Close()
			}
			if err == nil && n != d.Size {
				err = fmt.Errorf("the bundle in storage has %d bytes, its record says %d", n, d.Size)
			}
			pw.CloseWithError(err)
		}()
		defer pr.Close()
		body = io.MultiReader(bytes.NewReader(head), bytes.NewReader(pre), pr, bytes.NewReader(post))
		length = int64(len(head)+len(pre)+len(post)) + int64(base64.StdEncoding.EncodedLen(int(d.Size)))
	}
	ctx, cancel := context.WithTimeout(ctx, r.h.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequest(http.MethodPost, r.h.base+"/REST/2.0/ticket/"+d.Ticket+"/comment", body)
	if err != nil {
		return "", err
	}
	req.ContentLength = length
	req.Header.Set("Content-Type", "application/json")
	resp, _, err := r.h.do(ctx, op, req, rtMessage)
	if err != nil {
		return "", rtExplain(err)
	}
	// 201 Created, Location: /REST/2.0/transaction/<id>
	if loc := resp.Header.Get("Location"); loc != "" {
		return loc, nil
	}
	return "ticket/" + d.Ticket, nil
}

// rtMessage reads REST2's error bodies: {"message": "..."} or a JSON array of messages.
func rtMessage(b []byte) string {
	var m struct{ Message string }
	if json.Unmarshal(b, &m) == nil && m.Message != "" {
		return m.Message
	}
	var list []string
	if json.Unmarshal(b, &list) == nil && len(list) > 0 {
		return strings.Join(list, "; ")
	}
	return strings.TrimSpace(string(b))
}

// rtExplain words the answers an operator has to act on.
func rtExplain(err error) error {
	e, ok := err.(*Error)
	if !ok {
		return err
	}
	switch e.Status {
	case http.StatusUnauthorized:
		e.Msg = "RT refused the credentials (check desk.user and the secret): " + e.Msg
	case http.StatusForbidden:
		e.Msg = "the RT user may not comment on this ticket: " + e.Msg
	case http.StatusNotFound:
		e.Msg = "no such RT ticket (or REST2 is not at " + "desk.url/REST/2.0/): " + e.Msg
	}
	return e
}
