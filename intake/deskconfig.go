package intake

import (
	"net/url"
	"regexp"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/casefile/casefile/intake/desk"
	"github.com/casefile/casefile/spec"
)

var envNameRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// deskSection parses the desk: section. Secrets are never in it: only the names of environment
// variables or files that hold them.
func (p *cfgParser) deskSection(n *yaml.Node, key string) *desk.Config {
	d := &desk.Config{Retry: desk.DefaultRetry}
	var secrets []string
	envKey := func(dst *string) func(*yaml.Node, string) {
		return func(n *yaml.Node, k string) {
			if s, ok := p.str(n, k); ok {
				if !envNameRe.MatchString(s) {
					p.fail(n, k, "want the name of an environment variable (letters, digits, _)")
					return
				}
				*dst = s
				secrets = append(secrets, k)
			}
		}
	}
	fileKey := func(dst *string) func(*yaml.Node, string) {
		return func(n *yaml.Node, k string) {
			if s, ok := p.str(n, k); ok {
				*dst = s
				secrets = append(secrets, k)
			}
		}
	}
	duration := func(dst *time.Duration) func(*yaml.Node, string) {
		return func(n *yaml.Node, k string) {
			if s, ok := p.str(n, k); ok {
				v, err := time.ParseDuration(s)
				if err != nil || v <= 0 {
					p.fail(n, k, "want a duration such as 30s or 5m, got %q", s)
					return
				}
				*dst = v
			}
		}
	}
	p.mapping(n, key, map[string]func(*yaml.Node, string){
		"kind": func(n *yaml.Node, k string) {
			if s, ok := p.str(n, k); ok {
				switch s {
				case desk.KindRT, desk.KindZendesk, desk.KindJira:
					d.Kind = s
				default:
					p.fail(n, k, "want rt, zendesk or jira, got %q", s)
				}
			}
		},
		"url": func(n *yaml.Node, k string) {
			if s, ok := p.str(n, k); ok {
				if err := desk.ValidURL(s); err != nil {
					p.fail(n, k, "%v", err)
					return
				}
				d.URL = s
			}
		},
		"user":          func(n *yaml.Node, k string) { d.User, _ = p.str(n, k) },
		"password_env":  envKey(&d.PasswordEnv),
		"token_env":     envKey(&d.TokenEnv),
		"password_file": fileKey(&d.PasswordFile),
		"token_file":    fileKey(&d.TokenFile),
		"attachment_limit": func(n *yaml.Node, k string) {
			if s, ok := p.str(n, k); ok {
				v, err := spec.ParseSize(s)
				if err != nil || v <= 0 {
					p.fail(n, k, "want a size such as 50MB, got %q", s)
					return
				}
				d.AttachmentLimit = v
			}
		},
		"timeout": duration(&d.Timeout),
		"retry": func(n *yaml.Node, k string) {
			p.mapping(n, k, map[string]func(*yaml.Node, string){
				"attempts": func(n *yaml.Node, k string) { p.positive(n, k, &d.Retry.Attempts) },
				"initial":  duration(&d.Retry.Initial),
				"max":      duration(&d.Retry.Max),
			})
			if d.Retry.Max < d.Retry.Initial {
				p.fail(n, k, "max (%s) is shorter than initial (%s)", d.Retry.Max, d.Retry.Initial)
			}
		},
	})
	if n.Kind != yaml.MappingNode {
		return d
	}
	var missing []string
	for _, m := range []struct{ name, v string }{{"kind", d.Kind}, {"url", d.URL}, {"user", d.User}} {
		if m.v == "" {
			missing = append(missing, m.name)
		}
	}
	if len(missing) > 0 {
		p.fail(n, key, "missing %s", strings.Join(missing, ", "))
	}
	switch {
	case len(secrets) == 0:
		p.fail(n, key, "no secret: give one of password_env, password_file, token_env, token_file (the secret itself never goes in the config)")
	case len(secrets) > 1:
		p.fail(n, key, "give one secret, got %s", strings.Join(secrets, " and "))
	case (d.Kind == desk.KindZendesk || d.Kind == desk.KindJira) && (d.PasswordEnv != "" || d.PasswordFile != ""):
		p.fail(n, key, "%s takes an API token: token_env or token_file, not %s", d.Kind, secrets[0])
	}
	return d
}

// publicURL parses public_url: where the intake is reached from outside (links in desk comments).
func (p *cfgParser) publicURL(n *yaml.Node, k string) string {
	s, ok := p.str(n, k)
	if !ok {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") || u.User != nil || u.RawQuery != "" {
		p.fail(n, k, "want an http:// or https:// URL without user info or query, got %q", s)
		return ""
	}
	return strings.TrimRight(s, "/")
}
