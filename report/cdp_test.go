package report

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/websocket"
)

// browser is headless chromium driven over the DevTools protocol (a websocket on loopback),
// enough of it for the report test: open a page in a fresh tab, watch that tab's network
// requests, read the DOM, take a screenshot and print to PDF. A few dozen lines of protocol
// keep the test free of a new dependency.
type browser struct {
	t       *testing.T
	cmd     *exec.Cmd
	stderr  bytes.Buffer
	ws      *websocket.Conn
	nextID  int
	session string
	events  []cdpMessage
}

type cdpMessage struct {
	ID        int                       `json:"id,omitempty"`
	Method    string                    `json:"method,omitempty"`
	Params    json.RawMessage           `json:"params,omitempty"`
	Result    json.RawMessage           `json:"result,omitempty"`
	Error     *struct{ Message string } `json:"error,omitempty"`
	SessionID string                    `json:"sessionId,omitempty"`
}

// startBrowser starts chromium with every request sent through proxy (see TestReportInChromium).
func startBrowser(t *testing.T, chromium, proxy string) *browser {
	t.Helper()
	profile := t.TempDir()
	args := []string{
		"--headless", "--disable-gpu", "--hide-scrollbars", "--user-data-dir=" + profile,
		"--remote-debugging-port=0", "--remote-allow-origins=http://127.0.0.1",
		"--proxy-server=" + proxy, "--proxy-bypass-list=<-loopback>",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-default-apps", "--disable-extensions", "--no-first-run", "--no-default-browser-check",
		"--disable-domain-reliability", "--no-pings", "--metrics-recording-only",
		"about:blank",
	}
	if os.Geteuid() == 0 {
		args = append(args, "--no-sandbox") // chromium refuses root without it (CI runs as root)
	}
	b := &browser{t: t}
	b.cmd = exec.Command(chromium, args...)
	b.cmd.Stderr = &b.stderr
	b.cmd.Env = append(os.Environ(), "HOME="+profile)
	if err := b.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.close)
	// Chromium writes its DevTools port and browser path into the profile once it listens.
	var port, path string
	deadline := time.Now().Add(60 * time.Second)
	for {
		data, err := os.ReadFile(filepath.Join(profile, "DevToolsActivePort"))
		if lines := strings.Split(strings.TrimSpace(string(data)), "\n"); err == nil && len(lines) == 2 {
			port, path = lines[0], lines[1]
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("chromium did not start its DevTools endpoint:\n%s", tail(b.stderr.String(), 2000))
		}
		time.Sleep(50 * time.Millisecond)
	}
	ws, err := websocket.Dial("ws://127.0.0.1:"+port+path, "", "http://127.0.0.1")
	if err != nil {
		t.Fatalf("DevTools websocket: %v", err)
	}
	ws.MaxPayloadBytes = 256 << 20
	b.ws = ws
	return b
}

func (b *browser) close() {
	if b.ws != nil {
		b.ws.Close()
	}
	if b.cmd.Process != nil {
		b.cmd.Process.Kill()
		b.cmd.Wait()
	}
}

// call sends a command (to the attached tab when there is one) and returns its result; events
// read meanwhile are kept in b.events.
func (b *browser) call(method string, params any, result any) {
	b.t.Helper()
	b.nextID++
	id := b.nextID
	msg := map[string]any{"id": id, "method": method, "params": params}
	if b.session != "" && !strings.HasPrefix(method, "Target.") {
		msg["sessionId"] = b.session
	}
	b.ws.SetDeadline(time.Now().Add(60 * time.Second))
	if err := websocket.JSON.Send(b.ws, msg); err != nil {
		b.t.Fatalf("%s: %v", method, err)
	}
	for {
		var m cdpMessage
		if err := websocket.JSON.Receive(b.ws, &m); err != nil {
			b.t.Fatalf("%s: %v\n%s", method, err, tail(b.stderr.String(), 2000))
		}
		if m.ID != id {
			if m.Method != "" {
				b.events = append(b.events, m)
			}
			continue
		}
		if m.Error != nil {
			b.t.Fatalf("%s: %s", method, m.Error.Message)
		}
		if result != nil {
			if err := json.Unmarshal(m.Result, result); err != nil {
				b.t.Fatalf("%s: %v", method, err)
			}
		}
		return
	}
}

// waitEvent reads until the attached tab sends the event.
func (b *browser) waitEvent(method string, timeout time.Duration) {
	b.t.Helper()
	for _, e := range b.events {
		if e.Method == method && e.SessionID == b.session {
			return
		}
	}
	b.ws.SetDeadline(time.Now().Add(timeout))
	for {
		var m cdpMessage
		if err := websocket.JSON.Receive(b.ws, &m); err != nil {
			b.t.Fatalf("waiting for %s: %v", method, err)
		}
		b.events = append(b.events, m)
		if m.Method == method && m.SessionID == b.session {
			return
		}
	}
}

// openTab opens url in a new tab with scripts disabled and a laptop-sized viewport, and waits
// for its load event. Requests of that tab are recorded from the start.
func (b *browser) openTab(url string, width int) {
	b.t.Helper()
	var tgt struct{ TargetID string }
	b.call("Target.createTarget", map[string]any{"url": "about:blank"}, &tgt)
	var att struct{ SessionID string }
	b.call("Target.attachToTarget", map[string]any{"targetId": tgt.TargetID, "flatten": true}, &att)
	b.session = att.SessionID
	b.call("Network.enable", map[string]any{}, nil)
	b.call("Page.enable", map[string]any{}, nil)
	b.call("Emulation.setScriptExecutionDisabled", map[string]any{"value": true}, nil)
	b.call("Emulation.setDeviceMetricsOverride", map[string]any{"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": false}, nil)
	b.events = nil
	b.call("Page.navigate", map[string]any{"url": url}, nil)
	b.waitEvent("Page.loadEventFired", 60*time.Second)
	// Give anything the page might start after load (lazy images, prefetches) a moment.
	time.Sleep(300 * time.Millisecond)
	b.call("Runtime.enable", map[string]any{}, nil)
}

// requests lists every request the tab made: Network.requestWillBeSent URLs, and websockets.
func (b *browser) requests() []string {
	var out []string
	for _, e := range b.events {
		if e.SessionID != b.session {
			continue
		}
		switch e.Method {
		case "Network.requestWillBeSent":
			var p struct{ Request struct{ URL string } }
			json.Unmarshal(e.Params, &p)
			out = append(out, p.Request.URL)
		case "Network.webSocketCreated":
			var p struct{ URL string }
			json.Unmarshal(e.Params, &p)
			out = append(out, p.URL)
		}
	}
	return out
}

// outerHTML is the DOM the browser built, serialised (DOM domain: no script runs).
func (b *browser) outerHTML() string {
	var doc struct{ Root struct{ NodeID int } }
	b.call("DOM.getDocument", map[string]any{"depth": 0}, &doc)
	var out struct{ OuterHTML string }
	b.call("DOM.getOuterHTML", map[string]any{"nodeId": doc.Root.NodeID}, &out)
	return out.OuterHTML
}

// screenshot captures the whole page as PNG.
func (b *browser) screenshot(width int) []byte {
	var lm struct {
		CSSContentSize struct{ Width, Height float64 }
	}
	b.call("Page.getLayoutMetrics", map[string]any{}, &lm)
	var shot struct{ Data []byte }
	b.call("Page.captureScreenshot", map[string]any{"format": "png", "captureBeyondViewport": true,
		"clip": map[string]any{"x": 0, "y": 0, "width": width, "height": lm.CSSContentSize.Height, "scale": 1}}, &shot)
	return shot.Data
}

// printPDF prints the page (print media) as the browser's print dialog would.
func (b *browser) printPDF() []byte {
	var pdf struct{ Data []byte }
	b.call("Page.printToPDF", map[string]any{"printBackground": true}, &pdf)
	return pdf.Data
}

// display is the computed CSS display of the first element matching selector under the media
// type (screen or print): used to check what printing hides.
func (b *browser) display(selector string, media string) string {
	b.call("Emulation.setEmulatedMedia", map[string]any{"media": media}, nil)
	var doc struct{ Root struct{ NodeID int } }
	b.call("DOM.getDocument", map[string]any{"depth": 0}, &doc)
	var q struct{ NodeID int }
	b.call("DOM.querySelector", map[string]any{"nodeId": doc.Root.NodeID, "selector": selector}, &q)
	if q.NodeID == 0 {
		return ""
	}
	var cs struct {
		ComputedStyle []struct{ Name, Value string }
	}
	b.call("CSS.enable", map[string]any{}, nil)
	b.call("CSS.getComputedStyleForNode", map[string]any{"nodeId": q.NodeID}, &cs)
	for _, p := range cs.ComputedStyle {
		if p.Name == "display" {
			return p.Value
		}
	}
	return ""
}
