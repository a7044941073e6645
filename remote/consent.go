package remote

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/casefile/casefile/remote/wire"
)

// ConsentDir is where a person's answers to requests waiting for consent are dropped, one empty
// file <request id>.approve or <request id>.decline (casefile daemon approve|decline ID). It is
// inside the state folder, so only who may write there (root, for the installed service) can
// answer; the running daemon picks the answer up within ConsentCheck and removes the file. An
// answer survives a restart of the daemon.
const ConsentDir = "consent"

// Answer records a person's answer to a waiting request in stateDir.
func Answer(stateDir, id string, approve bool) error {
	if !wire.ValidRequestID(id) {
		return fmt.Errorf("%q is not a request id (r- and 16 letters or digits, as casefile status shows)", id)
	}
	dir := filepath.Join(stateDir, ConsentDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	ext, other := ".approve", ".decline"
	if !approve {
		ext, other = other, ext
	}
	if err := checkConsentDir(dir); err != nil {
		return err
	}
	os.Remove(filepath.Join(dir, id+other))
	return os.WriteFile(filepath.Join(dir, id+ext), nil, 0o600)
}

// applyAnswers applies the answers dropped in the consent folder to waiting requests and
// reports whether any was applied. An answer for a request this client does not (yet) hold
// stays until it does: after a restart the request comes back with the next poll. Only a
// private folder is read (on Unix: the daemon's user's or root's, not writable by group or
// others, not a link), and only regular files of the daemon's user or root in it: anyone else
// who could drop a file there would answer for the person (checkConsentDir, checkAnswerFile).
func (c *Client) applyAnswers() bool {
	dir := filepath.Join(c.cfg.StateDir, ConsentDir)
	es, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	if err := checkConsentDir(dir); err != nil {
		c.warnConsent(err)
		return false
	}
	applied := false
	for _, e := range es {
		name := e.Name()
		id, approve := strings.TrimSuffix(name, ".approve"), true
		if id == name {
			id, approve = strings.TrimSuffix(name, ".decline"), false
		}
		if !wire.ValidRequestID(id) {
			continue
		}
		if err := checkAnswerFile(filepath.Join(dir, name)); err != nil {
			c.warnConsent(err)
			continue
		}
		c.mu.Lock()
		p := c.pending[id]
		c.mu.Unlock()
		if p == nil {
			c.mu.Lock()
			_, ended := c.ended[id]
			c.mu.Unlock()
			if ended || c.endedInLog(id) {
				os.Remove(filepath.Join(dir, name))
			}
			continue
		}
		var err error
		if approve {
			err = c.Approve(id)
		} else {
			err = c.Decline(id)
		}
		if err == nil || errors.Is(err, ErrUnknownRequest) {
			os.Remove(filepath.Join(dir, name))
		}
		applied = applied || err == nil
	}
	return applied
}

// endedInLog reports whether the recent outcomes hold id.
func (c *Client) endedInLog(id string) bool {
	for _, o := range c.Recent() {
		if o.Request == id {
			return true
		}
	}
	return false
}

// warnConsent logs why answers are ignored, once for each reason (the folder is looked at
// every ConsentCheck).
func (c *Client) warnConsent(err error) {
	c.mu.Lock()
	if c.consentWarned == nil {
		c.consentWarned = map[string]bool{}
	}
	seen := c.consentWarned[err.Error()]
	c.consentWarned[err.Error()] = true
	c.mu.Unlock()
	if !seen {
		c.log.Warn("a consent answer is ignored", "reason", err.Error())
	}
}
