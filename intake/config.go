package intake

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/casefile/casefile/intake/desk"
	"github.com/casefile/casefile/spec"
)

// Config is the intake server's configuration file.
type Config struct {
	Listen       string
	KeyFile      string
	IdentityFile string
	Storage      Storage
	Limits       Limits
	PublicURL    string       // where the intake is reached from outside: links in desk comments
	Desk         *desk.Config // nil: no desk connector
}

// Storage says where bundles live: a folder (default <data>/bundles's parent, the data folder),
// or S3-compatible object storage (URL s3://bucket/prefix), which then holds the tus upload state
// too, so several intake instances can share it.
type Storage struct {
	URL          string // a folder, or s3://bucket/prefix
	Endpoint     string // S3 only: e.g. http://127.0.0.1:7070; empty: AWS
	Region       string // S3 only: default us-east-1
	AccessKeyEnv string // S3 only: the environment variable holding the access key id
	SecretKeyEnv string // S3 only: the environment variable holding the secret key

	Bucket, Prefix string // parsed from an s3:// URL; Prefix is empty or ends in "/"
}

// IsS3 reports whether storage is S3-compatible object storage.
func (s Storage) IsS3() bool { return s.Bucket != "" }

// parseS3URL splits s3://bucket/prefix.
func parseS3URL(s string) (bucket, prefix string, err error) {
	rest, ok := strings.CutPrefix(s, "s3://")
	if !ok {
		return "", "", fmt.Errorf("%q: want a folder or s3://bucket/prefix", s)
	}
	bucket, prefix, _ = strings.Cut(rest, "/")
	if !s3BucketRe.MatchString(bucket) {
		return "", "", fmt.Errorf("%q: %q is not an S3 bucket name", s, bucket)
	}
	prefix = strings.Trim(prefix, "/")
	if prefix != "" {
		prefix += "/"
	}
	return bucket, prefix, nil
}

var s3BucketRe = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)

// Limits bound what one token and the whole server accept.
type Limits struct {
	MaxSize           int64 // bytes per upload (a token's own max may be lower)
	ConcurrentUploads int   // PATCH requests in flight, all tokens
	PerToken          int   // PATCH requests in flight per token
	Rate              int   // requests per RatePer, per token
	RatePer           time.Duration
}

// DefaultLimits apply where the config is silent.
var DefaultLimits = Limits{MaxSize: 2 << 30, ConcurrentUploads: 64, PerToken: 4, Rate: 120, RatePer: time.Minute}

// ConfigError is one problem in a config file, located by file, line and key.
type ConfigError struct {
	File string
	Line int
	Key  string
	Msg  string
}

func (e *ConfigError) Error() string {
	loc := e.File
	if e.Line > 0 {
		loc = fmt.Sprintf("%s:%d", e.File, e.Line)
	}
	if e.Key != "" {
		return fmt.Sprintf("%s: %s: %s", loc, e.Key, e.Msg)
	}
	return fmt.Sprintf("%s: %s", loc, e.Msg)
}

// LoadConfig reads and validates a config file.
func LoadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseConfig(path, data)
}

// ParseConfig validates a config strictly: unknown keys, wrong types and bad values are errors
// naming the file, line and key. name is used in messages.
func ParseConfig(name string, data []byte) (*Config, error) {
	c := &Config{Limits: DefaultLimits}
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil {
		if err.Error() == "EOF" {
			return c, nil
		}
		return nil, &ConfigError{File: name, Msg: "invalid YAML: " + err.Error()}
	}
	if len(doc.Content) == 0 {
		return c, nil
	}
	p := &cfgParser{file: name}
	p.mapping(doc.Content[0], "", map[string]func(*yaml.Node, string){
		"listen": func(n *yaml.Node, k string) {
			if s, ok := p.str(n, k); ok {
				if _, _, err := net.SplitHostPort(s); err != nil {
					p.fail(n, k, "want host:port, got %q", s)
				}
				c.Listen = s
			}
		},
		"key_file":      func(n *yaml.Node, k string) { c.KeyFile, _ = p.str(n, k) },
		"identity_file": func(n *yaml.Node, k string) { c.IdentityFile, _ = p.str(n, k) },
		"public_url":    func(n *yaml.Node, k string) { c.PublicURL = p.publicURL(n, k) },
		"desk":          func(n *yaml.Node, k string) { c.Desk = p.deskSection(n, k) },
		"storage": func(n *yaml.Node, k string) {
			var s3only []string // S3 keys given, for a folder's error
			s3key := func(dst *string) func(*yaml.Node, string) {
				return func(n *yaml.Node, k string) {
					*dst, _ = p.str(n, k)
					s3only = append(s3only, k)
				}
			}
			p.mapping(n, k, map[string]func(*yaml.Node, string){
				"url": func(n *yaml.Node, k string) {
					s, ok := p.str(n, k)
					if !ok {
						return
					}
					if strings.Contains(s, "://") && !strings.HasPrefix(s, "file://") {
						b, pre, err := parseS3URL(s)
						if err != nil {
							p.fail(n, k, "%v", err)
							return
						}
						c.Storage.URL, c.Storage.Bucket, c.Storage.Prefix = s, b, pre
						return
					}
					c.Storage.URL = strings.TrimPrefix(s, "file://")
				},
				"endpoint":       s3key(&c.Storage.Endpoint),
				"region":         s3key(&c.Storage.Region),
				"access_key_env": s3key(&c.Storage.AccessKeyEnv),
				"secret_key_env": s3key(&c.Storage.SecretKeyEnv),
			})
			switch {
			case !c.Storage.IsS3() && len(s3only) > 0:
				p.fail(n, k, "%s: only for S3 storage (url: s3://bucket/prefix)", strings.Join(s3only, ", "))
			case c.Storage.IsS3() && (c.Storage.AccessKeyEnv == "") != (c.Storage.SecretKeyEnv == ""):
				p.fail(n, k, "give access_key_env and secret_key_env together (the names of environment variables holding the keys)")
			case c.Storage.IsS3() && c.Storage.Endpoint != "" && !strings.HasPrefix(c.Storage.Endpoint, "http://") && !strings.HasPrefix(c.Storage.Endpoint, "https://"):
				p.fail(n, k+".endpoint", "want an http:// or https:// URL, got %q", c.Storage.Endpoint)
			}
			if c.Storage.IsS3() && c.Storage.Region == "" {
				c.Storage.Region = "us-east-1"
			}
		},
		"limits": func(n *yaml.Node, k string) {
			p.mapping(n, k, map[string]func(*yaml.Node, string){
				"max_size": func(n *yaml.Node, k string) {
					if s, ok := p.str(n, k); ok {
						v, err := spec.ParseSize(s)
						if err != nil || v <= 0 {
							p.fail(n, k, "want a size such as 2GiB, got %q", s)
							return
						}
						c.Limits.MaxSize = v
					}
				},
				"concurrent_uploads":   func(n *yaml.Node, k string) { p.positive(n, k, &c.Limits.ConcurrentUploads) },
				"concurrent_per_token": func(n *yaml.Node, k string) { p.positive(n, k, &c.Limits.PerToken) },
				"per_token_rate": func(n *yaml.Node, k string) {
					if s, ok := p.str(n, k); ok {
						r, per, err := ParseRate(s)
						if err != nil {
							p.fail(n, k, "%v", err)
							return
						}
						c.Limits.Rate, c.Limits.RatePer = r, per
					}
				},
			})
		},
	})
	if len(p.errs) > 0 {
		msgs := make([]string, len(p.errs))
		for i, e := range p.errs {
			msgs[i] = e.Error()
		}
		return nil, fmt.Errorf("%s", strings.Join(msgs, "\n"))
	}
	return c, nil
}

// ParseRate reads "10/min", "2/s", "600/h".
func ParseRate(s string) (int, time.Duration, error) {
	n, unit, ok := strings.Cut(strings.TrimSpace(s), "/")
	v, err := strconv.Atoi(strings.TrimSpace(n))
	if !ok || err != nil || v <= 0 {
		return 0, 0, fmt.Errorf("want a rate such as 10/min, got %q", s)
	}
	switch strings.TrimSpace(unit) {
	case "s", "sec", "second":
		return v, time.Second, nil
	case "m", "min", "minute":
		return v, time.Minute, nil
	case "h", "hour":
		return v, time.Hour, nil
	}
	return 0, 0, fmt.Errorf("want a rate such as 10/min (per s, min or h), got %q", s)
}

type cfgParser struct {
	file string
	errs []*ConfigError
}

func (p *cfgParser) fail(n *yaml.Node, key, format string, args ...any) {
	p.errs = append(p.errs, &ConfigError{File: p.file, Line: n.Line, Key: key, Msg: fmt.Sprintf(format, args...)})
}

func (p *cfgParser) mapping(n *yaml.Node, key string, fields map[string]func(*yaml.Node, string)) {
	if n.Kind != yaml.MappingNode {
		p.fail(n, key, "want a mapping")
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		kn, vn := n.Content[i], n.Content[i+1]
		full := kn.Value
		if key != "" {
			full = key + "." + kn.Value
		}
		fn, ok := fields[kn.Value]
		switch {
		case !ok:
			p.fail(kn, full, "unknown key")
		case seen[kn.Value]:
			p.fail(kn, full, "given twice")
		default:
			seen[kn.Value] = true
			fn(vn, full)
		}
	}
}

func (p *cfgParser) str(n *yaml.Node, key string) (string, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" || n.Value == "" {
		p.fail(n, key, "want a non-empty string")
		return "", false
	}
	return n.Value, true
}

func (p *cfgParser) positive(n *yaml.Node, key string, dst *int) {
	v, err := strconv.Atoi(n.Value)
	if n.Kind != yaml.ScalarNode || err != nil || v <= 0 {
		p.fail(n, key, "want a positive whole number, got %q", n.Value)
		return
	}
	*dst = v
}
