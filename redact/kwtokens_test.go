package redact

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// Keyword-anchored provider samples, generated here from each format's facts (keyword, length,
// alphabet). None is real. line puts the provider's keyword before the token.
type kwSample struct {
	name, line, token string
}

func kwSamples() []kwSample {
	g := func(k int, al string, n int) string { return gen(uint64(k)+2000, al, n) }
	uuid := func(k int) string {
		return g(k, alHex, 8) + "-" + g(k+1, alHex, 4) + "-" + g(k+2, alHex, 4) + "-" + g(k+3, alHex, 4) + "-" + g(k+4, alHex, 12)
	}
	lowAl := "abcdefghijklmnopqrstuvwxyz0123456789"
	mk := func(name, line, tok string) kwSample {
		return kwSample{name, strings.Replace(line, "TOK", tok, 1), tok}
	}
	return []kwSample{
		mk("mailchimp", "mailchimp list sync using TOK", g(1, alHex, 32)+"-us12"),
		mk("launchdarkly sdk", "LaunchDarkly client init: TOK", "sdk-"+uuid(2)),
		mk("okta", "okta org https://example.okta.com token TOK", "00"+g(8, alB64U, 40)),
		mk("datadog api", `datadog.init(api="TOK")`, g(9, alHex, 32)),
		mk("datadog app", "dd_app_key TOK", g(10, alHex, 40)),
		mk("adyen hmac", "adyen notification hmac TOK", strings.ToUpper(g(11, alHex, 64))),
		mk("adyen api", `adyen client(x_api="TOK")`, "AQE"+g(12, alAlnum, 60)+"+"+g(13, alAlnum, 20)+"=-"+g(14, alAlnum, 43)+"="),
		mk("clickhouse", "clickhouse cloud secret TOK", "4b1d"+g(15, lowAl, 38)),
		mk("maxmind", "geoipupdate license TOK", g(16, alAlnum, 6)+"_"+g(17, alAlnum, 29)+"_mmk"),
		mk("adafruit", "adafruit io TOK", g(18, alB64U, 32)),
		mk("algolia", "algolia admin TOK", g(19, alAlnum, 32)),
		mk("alibaba", "alibaba cloud secret TOK", g(20, alAlnum, 30)),
		mk("asana", "asana oauth TOK", g(21, alAlnum, 32)),
		mk("atlassian", "jira api TOK", g(22, alAlnum, 24)),
		mk("bitbucket", "bitbucket oauth consumer TOK", g(23, alB64U, 64)),
		mk("bittrex", "bittrex TOK", g(24, alAlnum, 32)),
		mk("meraki", "meraki dashboard TOK", g(25, alHex, 40)),
		mk("cloudflare global", "cloudflare global TOK", g(26, alHex, 37)),
		mk("codecov", "codecov upload TOK", g(27, alAlnum, 32)),
		mk("cohere", "cohere client TOK", g(28, alAlnum, 40)),
		mk("coinbase", "coinbase TOK", g(29, alB64U, 64)),
		mk("confluent", "confluent cloud TOK", g(30, alAlnum, 64)),
		mk("contentful", "contentful delivery TOK", g(31, alB64U, 43)),
		mk("discord", "discord app TOK", g(32, alHex, 64)),
		mk("droneci", "droneci server TOK", g(33, alAlnum, 32)),
		mk("etsy", "etsy shop TOK", g(34, alAlnum, 24)),
		mk("facebook", "facebook app TOK", g(35, alHex, 32)),
		mk("fastly", "fastly purge TOK", g(36, alB64U, 32)),
		mk("finicity", "finicity partner TOK", g(37, alHex, 32)),
		mk("flickr", "flickr TOK", g(38, alAlnum, 32)),
		mk("freshbooks", "freshbooks TOK", g(39, alAlnum, 64)),
		mk("gitter", "gitter room TOK", g(40, alB64U, 40)),
		mk("heroku", "heroku auth TOK", uuid(41)),
		mk("hubspot", "hubspot hapikey TOK", strings.ToUpper(uuid(46))),
		mk("intercom", "intercom TOK", g(51, alB64U, 60)),
		mk("jfrog", "artifactory identity TOK", g(52, alAlnum, 64)),
		mk("kucoin", "kucoin TOK", g(53, alHex, 24)),
		mk("linear", "linear_client_secret TOK", g(54, alHex, 32)),
		mk("looker", "looker TOK", g(55, alAlnum, 24)),
		mk("mailgun signing", "mailgun webhook TOK", g(56, alHex, 32)+"-"+g(57, alHex, 8)+"-"+g(58, alHex, 8)),
		mk("mattermost", "mattermost bot TOK", g(59, alAlnum, 26)),
		mk("messagebird", "messagebird TOK", g(60, alAlnum, 25)),
		mk("netlify", "netlify deploy TOK", g(61, alB64U, 43)),
		mk("newrelic", "newrelic license TOK", g(62, alAlnum, 64)),
		mk("nytimes", "nytimes TOK", g(63, alB64U, 32)),
		mk("plaid", "plaid secret TOK", g(64, alAlnum, 30)),
		mk("privateai", "private-ai TOK", g(65, alAlnum, 32)),
		mk("rapidapi", "rapidapi TOK", g(66, alB64U, 50)),
		mk("sendbird", "sendbird TOK", g(67, alHex, 40)),
		mk("sentry", "sentry auth TOK", g(68, alHex, 64)),
		mk("snyk", "snyk TOK", uuid(69)),
		mk("squarespace", "squarespace TOK", uuid(74)),
		mk("sumologic", "SUMO_ACCESS TOK", g(79, alAlnum, 64)),
		mk("twitch", "twitch TOK", g(80, alAlnum, 30)),
		mk("twitter", "twitter consumer TOK", g(81, alAlnum, 50)),
		mk("zendesk", "zendesk TOK", g(82, alAlnum, 40)),
	}
}

func TestKeywordProviderTokens(t *testing.T) {
	e, _ := New(Config{})
	for _, p := range kwSamples() {
		t.Run(p.name, func(t *testing.T) {
			body := p.token[len(p.token)-12:]
			for _, in := range []string{p.line, p.line + " ok", "[info] " + p.line} {
				out := e.String("x", in)
				if strings.Contains(out, body) || !strings.Contains(out, "[REDACTED:") {
					t.Errorf("not redacted: %q -> %q", in, out)
				}
			}
			// the same token with no keyword nearby is a plain id (unless its shape alone counts)
			if p.name == "maxmind" || p.name == "adyen api" {
				return
			}
			in := "request " + p.token + " done"
			if out := e.String("x", in); out != in && !strings.HasPrefix(p.token, "00") {
				// only tokens whose generic shape some other rule knows may change
				t.Logf("changed without keyword: %q -> %q", in, out)
			}
		})
	}
}

// TestKeywordProviderNearMisses: hashes, ids and keyword mentions that are not tokens stay.
func TestKeywordProviderNearMisses(t *testing.T) {
	e, _ := New(Config{})
	for _, in := range []string{
		"commit 3f2a9c0d1b4e5f60718293a4b5c6d7e8f9012345 merged into main",
		"md5 d41d8cd98f00b204e9800998ecf8427e uploaded",
		"sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 ok",
		"datadog agent v7.45.0 started, 12 checks loaded",
		"datadog: flushed 120 series in 32ms",
		"okta user 00u1f2g3h4i5j6k7l8m9 signed in",
		"mailchimp campaign 9f8e7d6c5b sent to list 4a3b2c1d0e",
		"trace_id=4bf92f3577b34da6a3ce929d0e0e4736 span=00f067aa0ba902b7",
		"datadog forwarder is configured, and then after a very long message body we print 0123456789abcdef0123456789abcdef",
		"request 3f2a9c0d-1b4e-5f60-7182-93a4b5c6d7e8 served by heroku-router? no: by nginx",
		"sentry event 0123456789abcdef0123456789abcdef captured",
		"clickhouse query 4b1d2a3c finished",
		"build AbCdEf_123 released",
	} {
		if out := e.String("x", in); out != in {
			t.Errorf("changed: %q -> %q", in, out)
		}
	}
}

// TestKeywordsUpToReference: the eight-bytes-at-a-time keyword search finds exactly the hits of a
// byte-by-byte search (every keyword at every start of a letter run), whatever the window
// boundaries, on text with keywords in any case, separators, digits and non-ASCII bytes.
func TestKeywordsUpToReference(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	pieces := []string{" ", "_", "-", ".", "=", ":", "\"", "0", "7", "\xc3\xa9", "\xff", "\xe1", "\xda", "@", "[", "`", "{", "~", "x", "Z", "ab"}
	for _, k := range kwList {
		pieces = append(pieces, k, strings.ToUpper(k), strings.ToUpper(k[:1])+k[1:], k[:len(k)-1])
	}
	isLetter := func(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }
	for n := 0; n < 3000; n++ {
		var sb strings.Builder
		for sb.Len() < 1+r.IntN(120) {
			sb.WriteString(pieces[r.IntN(len(pieces))])
		}
		b := []byte(sb.String())
		var want []kwHit
		for p := range b {
			if !isLetter(b[p]) || p > 0 && isLetter(b[p-1]) {
				continue
			}
			for x, k := range kwList {
				if kwAt(b, p, k) {
					want = append(want, kwHit{p, uint8(x)})
				}
			}
		}
		// in one call, and in pieces as detectKeywordToken asks for it: windows ending further
		// on (steps under kwWindow, so the windows leave no gap between them)
		one := &scanner{b: b}
		one.keywordsUpTo(0, len(b))
		if !slices.Equal(one.kwHits, want) {
			t.Fatalf("%q: one pass %v, want %v", b, one.kwHits, want)
		}
		s := &scanner{b: b}
		for to := 0; to < len(b); to += 1 + r.IntN(17) {
			s.keywordsUpTo(max(0, to-kwWindow), to)
		}
		s.keywordsUpTo(max(0, len(b)-kwWindow), len(b))
		if !slices.Equal(s.kwHits, want) {
			t.Fatalf("%q: in windows %v, want %v", b, s.kwHits, want)
		}
	}
}

// TestProfileTable: word() ends a word where profileOf is 0, so that table and isKeyChar must
// name the same bytes; the derived separator and uppercase bits match the bytes.
func TestProfileTable(t *testing.T) {
	for c := 0; c < 256; c++ {
		p := profileOf[c]
		if (p != 0) != isKeyChar[c] {
			t.Errorf("byte %#x: profile %#x, isKeyChar %v", c, p, isKeyChar[c])
		}
		if sep := c == '_' || c == '-' || c == '.'; (p&pSep != 0) != sep {
			t.Errorf("byte %#x: separator bit %v", c, p&pSep != 0)
		}
		if up := c >= 'A' && c <= 'Z'; (p&pUpper != 0) != up {
			t.Errorf("byte %#x: uppercase bit %v", c, p&pUpper != 0)
		}
	}
}

// TestKeywordInsideKey: the provider's keyword inside a run-together key name (mydatadogkey=,
// "appDatadogKey":, MYSENTRYTOKEN=) counts as the keyword before the token; the same token under
// a key without it stays.
func TestKeywordInsideKey(t *testing.T) {
	e, _ := New(Config{})
	by := map[string]kwSample{}
	for _, p := range kwSamples() {
		by[p.name] = p
	}
	cases := []struct{ sample, line, rule string }{
		{"datadog api", "mydatadogkey=@@", "datadog-key"},
		{"datadog app", `{"appDatadogValue": "@@"}`, "datadog-key"},
		{"datadog api", "export PRODDATADOG_ID=\"@@\"", "datadog-key"},
		{"sentry", "MYSENTRYVALUE=@@", "sentry-token"},
		{"mailchimp", "config.mymailchimpcfg: @@", "mailchimp-key"},
		{"okta", "corpokta_value = @@", "okta-token"},
		{"heroku", "myherokuauth=@@", "heroku-key"},
		{"adyen api", "myadyenvalue=@@", "adyen-key"},
	}
	for _, c := range cases {
		tok := by[c.sample].token
		in := strings.Replace(c.line, "@@", tok, 1)
		out := e.String("x", in)
		// the provider's rule, not the key name's: the keyword inside the key was found
		if strings.Contains(out, tok[len(tok)-12:]) || !strings.Contains(out, "[REDACTED:"+c.rule+"]") {
			t.Errorf("not redacted as %s: %q -> %q", c.rule, in, out)
		}
	}
	// the same tokens under keys with no provider keyword inside stay as they were
	for _, c := range []struct{ sample, line string }{
		{"datadog api", "trace_id=@@"},
		{"sentry", "commitsha=@@"},
		{"heroku", "myrequestid=@@"},
	} {
		in := strings.Replace(c.line, "@@", by[c.sample].token, 1)
		if out := e.String("x", in); out != in {
			t.Errorf("changed: %q -> %q", in, out)
		}
	}
}

// TestKeywordInsideKeyOnlyInTheKey: a keyword inside a letter run counts only inside the key
// right before the value, not in an earlier word.
func TestKeywordInsideKeyOnlyInTheKey(t *testing.T) {
	e, _ := New(Config{})
	var tok string
	for _, p := range kwSamples() {
		if p.name == "datadog api" {
			tok = p.token
		}
	}
	for _, in := range []string{
		"mydatadog id=" + tok,
		"notdatadog: build " + tok,
	} {
		if out := e.String("x", in); out != in {
			t.Errorf("changed: %q -> %q", in, out)
		}
	}
}

// TestKeywordInMarkerIsNoKeyword: a marker's rule id names a provider ([REDACTED:datadog-key]);
// redacting output again must not take it for the provider's keyword.
func TestKeywordInMarkerIsNoKeyword(t *testing.T) {
	e, _ := New(Config{})
	for _, in := range []string{
		"[REDACTED:datadog-key] 0123456789abcdef0123456789abcdef",
		"api=[REDACTED:twitter-bearer] 000000000000000000000000A0000000000000000000000000",
	} {
		if out := e.String("x", in); out != in {
			t.Errorf("changed: %q -> %q", in, out)
		}
	}
}
