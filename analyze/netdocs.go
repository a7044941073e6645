package analyze

import (
	"net"
	"net/url"
	"strings"
	"time"
)

// The network documents, as docs/network.md describes them. Only the fields the analyzers use.

type dnsServer struct {
	Server  string `json:"server"`
	Rcode   string `json:"rcode"`
	Answers []struct {
		Name string `json:"name"`
		Type string `json:"type"`
		Data string `json:"data"`
	} `json:"answers"`
	Error string `json:"error"`
}

type dnsDoc struct {
	Resolver struct {
		Servers []string `json:"servers"`
	} `json:"resolver"`
	Results []struct {
		Name    string      `json:"name"`
		Type    string      `json:"type"`
		OK      bool        `json:"ok"`
		Servers []dnsServer `json:"servers"`
		System  *struct {
			Addrs []string `json:"addrs"`
			Error string   `json:"error"`
		} `json:"system"`
		NXDomainProbe *struct {
			Name      string      `json:"name"`
			Rewritten bool        `json:"rewritten"`
			Servers   []dnsServer `json:"servers"`
		} `json:"nxdomain_probe"`
		Error string `json:"error"`
	} `json:"results"`
}

type pingDoc struct {
	Results []struct {
		Target     string  `json:"target"`
		ResolvedIP string  `json:"resolved_ip"`
		Method     string  `json:"method"`
		Sent       int     `json:"sent"`
		Received   int     `json:"received"`
		LossPct    float64 `json:"loss_pct"`
		RTTMS      struct {
			Min, Avg, Max, Stddev float64
		} `json:"rtt_ms"`
		OK      bool `json:"ok"`
		PathMTU *struct {
			Bytes int `json:"bytes"`
			Tried []struct {
				Size  int    `json:"size"`
				Reply bool   `json:"reply"`
				Note  string `json:"note"`
			} `json:"tried"`
			ReportedBy string `json:"reported_by"`
			Error      string `json:"error"`
		} `json:"path_mtu"`
		Error string `json:"error"`
	} `json:"results"`
}

type traceDoc struct {
	Results []struct {
		Target     string `json:"target"`
		ResolvedIP string `json:"resolved_ip"`
		Protocol   string `json:"protocol"`
		MaxHops    int    `json:"max_hops"`
		Hops       []struct {
			TTL  int    `json:"ttl"`
			IP   string `json:"ip"`
			Note string `json:"note"`
		} `json:"hops"`
		Reached   bool   `json:"reached"`
		EndReason string `json:"end_reason"`
		Error     string `json:"error"`
	} `json:"results"`
}

type tcpDoc struct {
	Results []struct {
		Target     string  `json:"target"`
		ResolvedIP string  `json:"resolved_ip"`
		Connected  bool    `json:"connected"`
		ConnectMS  float64 `json:"connect_ms"`
		Class      string  `json:"class"`
		Error      string  `json:"error"`
	} `json:"results"`
}

type certInfo struct {
	Subject   string    `json:"subject"`
	Issuer    string    `json:"issuer"`
	SANs      []string  `json:"sans"`
	NotBefore time.Time `json:"not_before"`
	NotAfter  time.Time `json:"not_after"`
	DaysLeft  int       `json:"days_left"`
}

type httpResult struct {
	Name         string `json:"name"`
	URL          string `json:"url"`
	Method       string `json:"method"`
	Status       int    `json:"status"`
	ExpectStatus int    `json:"expect_status"`
	OK           bool   `json:"ok"`
	FinalURL     string `json:"final_url"`
	Proxy        string `json:"proxy"`
	ProxySource  string `json:"proxy_source"`
	TLS          *struct {
		ServerName       string     `json:"server_name"`
		Verified         bool       `json:"verified"`
		VerifyError      string     `json:"verify_error"`
		VerifyErrorClass string     `json:"verify_error_class"`
		ClockHint        string     `json:"clock_hint"`
		Chain            []certInfo `json:"chain"`
	} `json:"tls"`
	ClockSkewS *float64 `json:"clock_skew_s"`
	Body       *struct {
		Regex      string `json:"regex"`
		RegexMatch *bool  `json:"regex_match"`
		JSONField  string `json:"json_field"`
		JSONFound  bool   `json:"json_found"`
		JSONEquals string `json:"json_equals"`
		JSONMatch  *bool  `json:"json_match"`
	} `json:"body"`
	ErrorClass string `json:"error_class"`
	Error      string `json:"error"`
}

type httpDoc struct {
	Results []httpResult `json:"results"`
}

const (
	dnsPath   = "network/dns.json"
	pingPath  = "network/ping.json"
	tracePath = "network/trace.json"
	tcpPath   = "network/tcp.json"
	httpPath  = "network/http.json"
)

// label names an HTTP check in a title: its spec name and URL, or the URL alone.
func (r httpResult) label() string {
	if r.Name != "" && r.Name != r.URL {
		return r.Name + " (" + r.URL + ")"
	}
	return r.URL
}

// hostPort is the URL's host:port, the scheme's port when the URL names none.
func (r httpResult) hostPort() string {
	u, err := url.Parse(r.URL)
	if err != nil || u.Host == "" {
		return r.URL
	}
	if u.Port() != "" {
		return u.Host
	}
	port := "80"
	if u.Scheme == "https" {
		port = "443"
	}
	return net.JoinHostPort(u.Hostname(), port)
}

// host is the URL's host name without port.
func (r httpResult) host() string {
	u, err := url.Parse(r.URL)
	if err != nil || u.Host == "" {
		return r.URL
	}
	return u.Hostname()
}

// proxyFailed reports whether the request failed on the way to its proxy rather than to the
// target: no response, a connection-class error, and the error naming the proxy (Go's
// "proxyconnect" for CONNECT, or the proxy's address for plain HTTP through a proxy).
func (r httpResult) proxyFailed() bool {
	if r.Proxy == "" || r.Status != 0 {
		return false
	}
	switch r.ErrorClass {
	case "refused", "timeout", "unreachable", "dns", "error":
	default:
		return false
	}
	if strings.Contains(r.Error, "proxyconnect") {
		return true
	}
	if u, err := url.Parse(r.Proxy); err == nil && u.Host != "" {
		return strings.Contains(r.Error, u.Host) || (u.Port() == "" && strings.Contains(r.Error, u.Hostname()))
	}
	return false
}

// hostOf returns the host part of a host, host:port or URL.
func hostOf(s string) string {
	if u, err := url.Parse(s); err == nil && u.Host != "" {
		return u.Hostname()
	}
	if h, _, err := net.SplitHostPort(s); err == nil {
		return h
	}
	return s
}

// reachedElsewhere reports whether another check reached host: a ping reply, a TCP connect or
// an HTTP response.
func reachedElsewhere(src Source, host string) bool {
	var p pingDoc
	if readJSON(src, pingPath, &p) {
		for _, r := range p.Results {
			if (r.Target == host || r.ResolvedIP == host) && r.Received > 0 {
				return true
			}
		}
	}
	var t tcpDoc
	if readJSON(src, tcpPath, &t) {
		for _, r := range t.Results {
			if (hostOf(r.Target) == host || r.ResolvedIP == host) && r.Connected {
				return true
			}
		}
	}
	var h httpDoc
	if readJSON(src, httpPath, &h) {
		for _, r := range h.Results {
			if r.host() == host && r.Status != 0 {
				return true
			}
		}
	}
	return false
}
