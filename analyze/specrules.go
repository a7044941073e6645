package analyze

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/casefile/casefile/spec"
	"go.yaml.in/yaml/v3"
)

// SpecAnalyzers returns the analyzers a spec declares (its analyzers: section), in order. Each
// gives findings with the spec's id, severity, title, detail and next step.
func SpecAnalyzers(as []spec.Analyzer) []Analyzer {
	out := make([]Analyzer, 0, len(as))
	for _, a := range as {
		a := a
		run := func(src Source) []Finding { return runFieldRule(src, a) }
		if a.File == "" {
			run = func(src Source) []Finding { return runRegexRule(src, a) }
		}
		out = append(out, Analyzer{Name: "spec analyzer " + a.ID, Run: run})
	}
	return out
}

// bundleSpecAnalyzers reads the analyzers: section of the bundle's own spec.yaml. Only that
// section is parsed (with the spec's validation), so a spec an older casefile accepted that
// this one would refuse elsewhere still gives its analyzers. A section that does not validate
// gives one info finding saying so.
func bundleSpecAnalyzers(src Source) ([]Analyzer, []Finding) {
	data, err := src.ReadFile("spec.yaml")
	if err != nil {
		return nil, nil
	}
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 {
		return nil, nil
	}
	node := mapValueNode(doc.Content[0], "analyzers")
	if node == nil {
		return nil, nil
	}
	section, err := yaml.Marshal(map[string]any{"apiVersion": spec.APIVersion, "kind": spec.Kind,
		"metadata": map[string]string{"name": "bundle"}, "analyzers": node})
	if err != nil {
		return nil, nil
	}
	s, err := spec.Parse("spec.yaml (analyzers)", section)
	if err != nil {
		return nil, []Finding{{ID: "analyze.error", Severity: Info, Target: "spec.yaml",
			Title:    "The spec's analyzers could not be read",
			Detail:   err.Error(),
			Evidence: []Evidence{{Path: "spec.yaml", Line: node.Line}},
			NextStep: "Fix the analyzers: section of the spec ('casefile spec validate FILE')."}}
	}
	return SpecAnalyzers(s.Analyzers), nil
}

func mapValueNode(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// lookup follows a dotted path through objects (by key) and lists (by index).
func lookup(v any, p string) (any, bool) {
	if p == "" {
		return v, true
	}
	for _, seg := range strings.Split(p, ".") {
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[seg]; !ok {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// records are the elements a file rule checks: the list at records (when set), else the
// document's "results" list when it has one, else the elements of a top-level list, else the
// document itself.
func records(doc any, recordsPath string) []any {
	if recordsPath != "" {
		v, ok := lookup(doc, recordsPath)
		if l, isList := v.([]any); ok && isList {
			return l
		}
		return nil
	}
	if m, ok := doc.(map[string]any); ok {
		if l, ok := m["results"].([]any); ok {
			return l
		}
	}
	if l, ok := doc.([]any); ok {
		return l
	}
	return []any{doc}
}

// compare applies op to a record's value v (present says whether the field exists) and want.
// A missing field satisfies no comparison (only absent); values of different JSON types are
// never equal and never ordered.
func compare(v any, present bool, op string, want any) bool {
	switch op {
	case "exists":
		return present && v != nil
	case "absent":
		return !present || v == nil
	}
	if !present {
		return false
	}
	switch op {
	case "==":
		return jsonEqual(v, want)
	case "!=":
		return !jsonEqual(v, want)
	case "<", "<=", ">", ">=":
		a, ok1 := v.(float64)
		b, ok2 := want.(float64)
		if !ok1 || !ok2 {
			return false
		}
		switch op {
		case "<":
			return a < b
		case "<=":
			return a <= b
		case ">":
			return a > b
		}
		return a >= b
	case "contains":
		w, _ := want.(string)
		switch x := v.(type) {
		case string:
			return strings.Contains(x, w)
		case []any:
			for _, e := range x {
				if s, ok := e.(string); ok && s == w {
					return true
				}
			}
		}
		return false
	case "matches", "=~":
		s, ok := v.(string)
		w, _ := want.(string)
		re, err := regexp.Compile(w)
		return ok && err == nil && re.MatchString(s)
	}
	return false
}

func jsonEqual(a, b any) bool {
	switch x := a.(type) {
	case float64:
		y, ok := b.(float64)
		return ok && x == y
	case string:
		y, ok := b.(string)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case nil:
		return b == nil
	}
	return false
}

// targetKeys identify a record, in order of preference.
var targetKeys = []string{"name", "target", "url", "host", "mount", "mountpoint", "interface", "unit"}

func runFieldRule(src Source, a spec.Analyzer) []Finding {
	data, err := src.ReadFile(a.File)
	if err != nil {
		return nil
	}
	var doc any
	if json.Unmarshal(data, &doc) != nil {
		return nil
	}
	conds, err := spec.ParseWhere(a.Where)
	if a.Where == "" {
		conds, err = nil, nil
	}
	if err != nil {
		return nil
	}
	want, _ := spec.ScalarValue(a.Value)
	var out []Finding
	for i, rec := range records(doc, a.Records) {
		keep := true
		for _, c := range conds {
			v, ok := lookup(rec, c.Field)
			if !compare(v, ok, c.Op, c.Value) {
				keep = false
				break
			}
		}
		if !keep {
			continue
		}
		v, ok := lookup(rec, a.Field)
		if !compare(v, ok, a.Op, want) {
			continue
		}
		target, key := "", ""
		if m, isMap := rec.(map[string]any); isMap {
			for _, k := range targetKeys {
				if s, isStr := m[k].(string); isStr && s != "" {
					target, key = s, k
					break
				}
			}
		}
		if target == "" {
			target = a.File
			if len(records(doc, a.Records)) > 1 {
				target = fmt.Sprintf("%s[%d]", a.File, i)
			}
		}
		e := Evidence{Path: a.File}
		if key != "" {
			e.Line = jsonLine(data, 0, key, target)
		}
		leaf := a.Field[strings.LastIndexByte(a.Field, '.')+1:]
		if ok && v != nil {
			if l := jsonLine(data, max(e.Line-1, 0), leaf, v); l > 0 && (e.Line == 0 || l-e.Line < 200) {
				e.Line = l
			}
		}
		shown := "absent"
		if ok {
			shown = showValue(v)
		}
		cond := fmt.Sprintf("%s %s", a.Field, a.Op)
		if a.Op != "exists" && a.Op != "absent" {
			cond += " " + showValue(want)
		}
		detail := strings.TrimSpace(a.Detail)
		if detail != "" && !strings.HasSuffix(detail, ".") {
			detail += "."
		}
		detail = strings.TrimSpace(fmt.Sprintf("%s %s of %s is %s (condition: %s).", detail, a.Field, target, shown, cond))
		out = append(out, specFinding(a, target, detail, []Evidence{e}, map[string]string{"{target}": target, "{value}": shown, "{field}": a.Field}))
	}
	return out
}

func showValue(v any) string {
	switch x := v.(type) {
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1e15 {
			return strconv.FormatInt(int64(x), 10)
		}
		return strconv.FormatFloat(x, 'g', -1, 64)
	case string:
		return strconv.Quote(x)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func specFinding(a spec.Analyzer, target, detail string, ev []Evidence, vars map[string]string) Finding {
	title, next := a.Title, a.NextStep
	for k, v := range vars {
		title = strings.ReplaceAll(title, k, v)
		next = strings.ReplaceAll(next, k, v)
	}
	if next == "" {
		next = "See the vendor's documentation for " + a.ID + "."
	}
	return Finding{ID: a.ID, Severity: Severity(a.Severity), Title: title, Detail: detail, Target: target, Evidence: ev, NextStep: next}
}

// matchGlob matches a bundle path against a glob whose segments are path.Match patterns and
// where ** stands for any number of folders (also none).
func matchGlob(pattern, name string) bool {
	return matchSegs(strings.Split(pattern, "/"), strings.Split(name, "/"))
}

func matchSegs(pat, name []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			for i := 0; i <= len(name); i++ {
				if matchSegs(pat[1:], name[i:]) {
					return true
				}
			}
			return false
		}
		if len(name) == 0 {
			return false
		}
		if ok, err := path.Match(pat[0], name[0]); err != nil || !ok {
			return false
		}
		pat, name = pat[1:], name[1:]
	}
	return len(name) == 0
}

func runRegexRule(src Source, a spec.Analyzer) []Finding {
	re, err := regexp.Compile(a.Regex)
	if err != nil {
		return nil
	}
	minCount := max(a.MinCount, 1)
	var files []string
	for _, p := range src.List() {
		for _, g := range a.Files {
			if matchGlob(g, p) {
				files = append(files, p)
				break
			}
		}
	}
	total, inFiles := 0, 0
	var ev []Evidence
	first := ""
	for _, p := range files {
		data, err := src.ReadFile(p)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(make([]byte, 64<<10), 4<<20)
		n, line := 0, 0
		for sc.Scan() {
			line++
			if !re.Match(sc.Bytes()) {
				continue
			}
			if n == 0 {
				if len(ev) < 5 {
					ev = append(ev, Evidence{Path: p, Line: line})
				}
				if first == "" {
					first = clip(strings.TrimSpace(sc.Text()), 300)
				}
			}
			n++
		}
		if n > 0 {
			total += n
			inFiles++
		}
	}
	if total < minCount {
		return nil
	}
	target := strings.Join(a.Files, ", ")
	if inFiles == 1 {
		target = ev[0].Path
	}
	detail := strings.TrimSpace(a.Detail)
	if detail != "" && !strings.HasSuffix(detail, ".") {
		detail += "."
	}
	detail = strings.TrimSpace(fmt.Sprintf("%s %d lines match /%s/ in %d of %d files (threshold %d). First: %s", detail, total, a.Regex, inFiles, len(files), minCount, first))
	return []Finding{specFinding(a, target, detail, ev, map[string]string{"{target}": target, "{count}": strconv.Itoa(total)})}
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
