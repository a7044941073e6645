package redact

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// Provider token samples generated here from each format's facts (prefix, body alphabet,
// length). None is real.

const (
	alAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	alHex   = "0123456789abcdef"
	alUpDig = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	alB64U  = alAlnum + "-_"
)

// gen returns n characters of alphabet al from a fixed seed, so samples are stable. The first
// three characters are one upper, one lower and one digit where the alphabet has them, so
// mixed-class checks hold.
func gen(seed uint64, al string, n int) string {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	var sb strings.Builder
	for k := 0; k < n; k++ {
		sb.WriteByte(al[r.IntN(len(al))])
	}
	s := []byte(sb.String())
	if n >= 3 && strings.ContainsAny(al, "A") && strings.ContainsAny(al, "a") {
		s[0], s[1], s[2] = 'Q', 'm', '7'
	}
	return string(s)
}

type providerSample struct {
	name, token string
}

func providerSamples() []providerSample {
	g := func(k int, al string, n int) string { return gen(uint64(k)+1000, al, n) }
	return []providerSample{
		{"posthog project", "phc_" + g(1, alAlnum, 43)},
		{"posthog personal", "phx_" + g(2, alAlnum, 43)},
		{"groq", "gsk_" + g(3, alAlnum, 52)},
		{"cloudflare account token", "cfat_" + g(4, alAlnum, 40)},
		{"cloudflare user token", "cfut_" + g(5, alAlnum, 40)},
		{"cloudflare origin ca", "v1.0-" + g(6, alHex, 24) + "-" + g(7, alHex, 146)},
		{"sourcegraph", "sgp_" + g(8, alHex, 16) + "_" + g(9, alHex, 40)},
		{"sourcegraph local", "sgp_local_" + g(10, alHex, 40)},
		{"notion", "ntn_" + g(11, alAlnum, 46)},
		{"notion legacy", "secret_" + g(12, alAlnum, 43)},
		{"easypost", "EZAK" + g(13, alAlnum, 54)},
		{"easypost test", "EZTK" + g(14, alAlnum, 54)},
		{"doppler service", "dp.st.prd." + g(15, alAlnum, 43)},
		{"doppler cli", "dp.ct." + g(16, alAlnum, 43)},
		{"1password service account", "ops_eyJ" + g(17, alB64U, 300)},
		{"1password secret key", "A3-" + g(18, alUpDig, 6) + "-" + g(19, alUpDig, 6) + "-" + g(20, alUpDig, 5) + "-" + g(21, alUpDig, 5) + "-" + g(22, alUpDig, 5) + "-" + g(23, alUpDig, 5)},
		{"adobe", "p8e-" + g(24, alAlnum, 32)},
		{"airtable", "pat" + g(25, alAlnum, 14) + "." + g(26, alHex, 64)},
		{"authress", "authress_" + g(27, alHex, 10) + "." + g(28, alHex, 5) + ".acc_" + g(29, alHex, 12) + "." + g(30, alAlnum, 60)},
		{"beamer", "b_" + g(31, alAlnum, 44)},
		{"clojars", "CLOJARS_" + g(32, alAlnum, 60)},
		{"defined networking", "dnkey-" + g(33, alUpDig, 26) + "-" + g(34, alUpDig, 52)},
		{"duffel", "duffel_live_" + g(35, alAlnum, 43)},
		{"dropbox", "sl." + g(36, alB64U, 138)},
		{"flutterwave", "FLWSECK_TEST-" + g(37, alHex, 32) + "-X"},
		{"frameio", "fio-u-" + g(38, alB64U, 64)},
		{"gocardless", "live_" + g(39, alAlnum, 40)},
		{"lob", "live_" + g(40, alHex, 35)},
		{"lob test", "test_" + g(41, alHex, 35)},
		{"grafana api key", "eyJrIjoi" + g(42, alAlnum, 70)},
		{"harness", "pat." + g(43, alAlnum, 22) + "." + g(44, alHex, 24) + "." + g(45, alAlnum, 20)},
		{"hubspot", "pat-na1-" + g(46, alHex, 8) + "-" + g(47, alHex, 4) + "-" + g(48, alHex, 4) + "-" + g(49, alHex, 4) + "-" + g(50, alHex, 12)},
		{"infracost", "ico-" + g(51, alAlnum, 32)},
		{"intra42", "s-s4t2ud-" + g(52, alHex, 64)},
		{"langsmith", "lsv2_pt_" + g(53, alHex, 32) + "_" + g(54, alHex, 10)},
		{"newrelic browser", "NRJS-" + g(55, alHex, 19)},
		{"octopus", "API-" + g(56, alUpDig, 26)},
		{"openshift", "sha256~" + g(57, alB64U, 43)},
		{"perplexity", "pplx-" + g(58, alAlnum, 48)},
		{"prefect", "pnu_" + g(59, alAlnum, 36)},
		{"readme", "rdme_" + g(60, alAlnum, 70)},
		{"scalingo", "tk-us-" + g(61, alB64U, 48)},
		{"brevo", "xkeysib-" + g(62, alHex, 64) + "-" + g(63, alAlnum, 16)},
		{"settlemint", "sm_pat_" + g(64, alAlnum, 16)},
		{"shippo", "shippo_live_" + g(65, alHex, 40)},
		{"sonar", "squ_" + g(66, alHex, 40)},
		{"typeform", "tfp_" + g(67, alAlnum, 59)},
		{"yandex oauth", "y0_" + g(68, alB64U, 55)},
		{"yandex iam", "t1.9euelZ" + g(69, alAlnum, 90)},
		{"yandex api key", "AQVN" + g(70, alAlnum, 36)},
		{"vercel", "vcp_" + g(71, alAlnum, 56)},
		{"flyio", "fo1_" + g(72, alB64U, 43)},
		{"replicate", "r8_" + g(73, alAlnum, 37)},
		{"pinecone", "pcsk_" + g(74, alAlnum, 5) + "_" + g(75, alAlnum, 60)},
		{"xai", "xai-" + g(76, alAlnum, 80)},
		{"figma", "figd_" + g(77, alB64U, 40)},
		{"buildkite", "bkua_" + g(78, alHex, 40)},
		{"circleci", "CCIPAT_" + g(79, alAlnum, 22) + "_" + g(80, alHex, 40)},
		{"contentful", "CFPAT-" + g(81, alB64U, 43)},
		{"tailscale", "tskey-api-" + g(82, alAlnum, 12) + "-" + g(83, alAlnum, 32)},
		{"render", "rnd_" + g(84, alAlnum, 32)},
		{"supabase secret", "sb_secret_" + g(85, alB64U, 32)},
		{"nuget", "oy2" + strings.ToLower(g(86, alAlnum, 43))},
		{"gitlab agent", "glagent-" + g(87, alB64U, 50)},
		{"facebook", "EAAB" + g(88, alAlnum, 120)},
		{"braintree", "access_token$production$" + g(89, alAlnum, 16) + "$" + g(90, alHex, 32)},
		{"mailgun public", "pubkey-" + g(91, alHex, 32)},
	}
}

func TestProviderTokens(t *testing.T) {
	e, _ := New(Config{})
	for _, p := range providerSamples() {
		t.Run(p.name, func(t *testing.T) {
			body := p.token[len(p.token)-20:]
			for _, in := range []string{
				"deploying with " + p.token + " now",
				`{"value": "` + p.token + `"}`,
				"X=" + p.token,
			} {
				out := e.String("x", in)
				if strings.Contains(out, body) || !strings.Contains(out, "[REDACTED:") {
					t.Errorf("not redacted: %q -> %q", in, out)
				}
				if !strings.Contains(in, "deploying") {
					continue
				}
				if !strings.HasPrefix(out, "deploying with [REDACTED:") || !strings.HasSuffix(out, "] now") {
					t.Errorf("neighbours changed: %q", out)
				}
			}
		})
	}
}

// TestProviderPrefixesInText: words that start like a provider prefix but are not tokens stay.
func TestProviderPrefixesInText(t *testing.T) {
	e, _ := New(Config{})
	for _, in := range []string{
		"pattern matched path patience",
		"test_user_login_with_valid_credentials_returns_ok passed",
		"live_reload enabled, secret_key_base rotated",
		"API-GATEWAY-SERVICE-REQUEST-HANDLER-V started",
		"release v1.0-beta1 of sl.example and sha256~ marker",
		"b_tree_index_rebuild_started_for_table_orders_partition_2",
		"access_token$production$ is the braintree prefix",
		"EAAB is a prefix, ops_eyJ too, and xai-grok-2 is a model name",
		"sm_pat_x short",
	} {
		if out := e.String("x", in); out != in {
			t.Errorf("changed: %q -> %q", in, out)
		}
	}
}
