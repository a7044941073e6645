package redacttest

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strconv"
)

// Planted secrets for the sparse log (fake, provider-shaped).
const (
	ghp   = "ghp_R8xK2mQ9vLp4Tn7Wc3Yb6Hd1Fs5Jg0Ae2Zu4"
	jwt   = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ.Xk9Lm2Np4Qr7St1Uv3Wx5Yz8Ab0Cd2Ef4Gh6Jk8"
	awsID = "AKIAQ7ZJ4XK2M9PL5VNE"
)

// SparseLog generates a service log of about size bytes with one planted secret per ~1,000 lines.
// It returns the log and the planted cores. The redact benchmarks and the gitleaks comparison
// in bench/ both use it, so their figures are on the same input.
func SparseLog(size int, seed uint64) ([]byte, []string) {
	r := rand.New(rand.NewPCG(seed, 7))
	hexs := func(n int) string {
		const h = "0123456789abcdef"
		b := make([]byte, n)
		for i := range b {
			b[i] = h[r.IntN(16)]
		}
		return string(b)
	}
	var cores []string
	secrets := []func() string{
		func() string { cores = append(cores, ghp); return "auth token=" + ghp },
		func() string {
			p := "Tr0ub4dor" + strconv.Itoa(r.IntN(1000)) + "!"
			cores = append(cores, p)
			return `{"password":"` + p + `"}`
		},
		func() string { cores = append(cores, jwt); return "Authorization: Bearer " + jwt },
		func() string {
			p := "S3cret" + strconv.Itoa(r.IntN(1000))
			cores = append(cores, p)
			return "connecting to postgres://app:" + p + "@db.internal:5432/app"
		},
		func() string { cores = append(cores, awsID); return "using key " + awsID },
	}
	var buf bytes.Buffer
	buf.Grow(size + 512)
	line := 0
	for buf.Len() < size {
		line++
		ts := fmt.Sprintf("2026-11-%02dT%02d:%02d:%02d.%03dZ", 1+r.IntN(27), r.IntN(24), r.IntN(60), r.IntN(60), r.IntN(1000))
		if line%1000 == 0 {
			fmt.Fprintf(&buf, "%s WARN worker-%d %s\n", ts, r.IntN(32), secrets[r.IntN(len(secrets))]())
			continue
		}
		switch r.IntN(8) {
		case 0:
			fmt.Fprintf(&buf, "%s INFO http request method=GET path=/api/v1/items/%d status=200 duration_ms=%d request_id=%s-%s-%s\n", ts, r.IntN(100000), r.IntN(900), hexs(8), hexs(4), hexs(12))
		case 1:
			fmt.Fprintf(&buf, "%s DEBUG cache hit key=user:%d ttl=%ds size=%d\n", ts, r.IntN(1e6), r.IntN(3600), r.IntN(1<<16))
		case 2:
			fmt.Fprintf(&buf, "%s INFO containerd: started container %s image=registry.example.com/app:%d.%d.%d\n", ts, hexs(64), r.IntN(9), r.IntN(40), r.IntN(200))
		case 3:
			fmt.Fprintf(&buf, "%s WARN upstream 10.%d.%d.%d:8080 slow response after %dms, retrying (attempt %d/5)\n", ts, r.IntN(256), r.IntN(256), r.IntN(256), r.IntN(5000), 1+r.IntN(5))
		case 4:
			fmt.Fprintf(&buf, "%s INFO deploy: checked out commit %s on branch main\n", ts, hexs(40))
		case 5:
			fmt.Fprintf(&buf, `{"ts":"%s","level":"info","msg":"job finished","job":"sync-%d","rows":%d,"trace_id":"%s"}`+"\n", ts, r.IntN(100), r.IntN(1e6), hexs(32))
		case 6:
			fmt.Fprintf(&buf, "%s ERROR database connection lost: read tcp 10.0.%d.%d:%d->10.0.0.5:5432: i/o timeout\n", ts, r.IntN(256), r.IntN(256), 30000+r.IntN(30000))
		default:
			fmt.Fprintf(&buf, "%s INFO gc pause %dus heap=%dMiB goroutines=%d version=1.%d.%d\n", ts, r.IntN(2000), r.IntN(4096), r.IntN(5000), r.IntN(30), r.IntN(10))
		}
	}
	return buf.Bytes(), cores
}
