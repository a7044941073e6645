package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/casefile/casefile/collect"
	"io"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/casefile/casefile/collectors"
	"github.com/casefile/casefile/redact"
	"github.com/casefile/casefile/spec"
	"github.com/spf13/cobra"
)

type redactOptions struct {
	out          string
	report       string
	specRef      string
	literals     []string
	keys         []string
	disable      []string
	anonymize    bool
	anonymizeMap string
	domains      []string
	listRules    bool
	asJSON       bool
}

func newRedactCmd() *cobra.Command {
	o := &redactOptions{}
	c := &cobra.Command{
		Use:   "redact PATH...",
		Short: "Redact secrets from files, folders or stdin",
		Long: `Redact runs the same engine that redacts every bundle over files you choose.
A file goes to stdout (or to -o OUT); a folder goes to the folder -o OUT with the same
relative names; "-" reads stdin. Secrets become [REDACTED:<rule-id>]; with --anonymize,
e-mails, IP addresses, user names and host names under --domain become consistent tokens.

The spec's redact section applies (--spec, else the embedded or built-in spec).
A file that cannot be redacted is left out (never copied as it was) and the command
exits 1. Memory use does not grow with file size.`,
		Example: `  casefile redact app.log > app.redacted.log
  kubectl logs pod/api | casefile redact - 
  casefile redact /var/log/acme -o /tmp/acme-logs --report /tmp/redaction.json
  casefile redact --list-rules`,
		RunE: func(c *cobra.Command, args []string) error {
			return runRedact(c.Context(), o, args, c.InOrStdin(), c.OutOrStdout(), c.ErrOrStderr())
		},
	}
	f := c.Flags()
	f.StringVarP(&o.out, "out", "o", "", "output file (one input) or folder (a folder or several inputs)")
	f.StringVar(&o.report, "report", "", "write the redaction report (counts per rule and file, never a value) to this file")
	f.StringVar(&o.specRef, "spec", "", "spec file or URL whose redact section applies (default: embedded, else built-in)")
	f.StringArrayVar(&o.literals, "redact-literal", nil, "also redact this exact value (repeatable)")
	f.StringArrayVar(&o.keys, "redact-key", nil, "also treat this key name as sensitive (repeatable)")
	f.StringSliceVar(&o.disable, "disable", nil, "switch these rule ids off")
	f.BoolVar(&o.anonymize, "anonymize", false, "replace e-mails, IPs, host and user names with consistent tokens")
	f.StringVar(&o.anonymizeMap, "anonymize-map", "", "key and token map file (stays on this machine; implies --anonymize); reused and extended when it exists")
	f.StringSliceVar(&o.domains, "domain", nil, "with --anonymize: pseudonymize host names under this domain")
	f.BoolVar(&o.listRules, "list-rules", false, "list the built-in rules and exit")
	f.BoolVar(&o.asJSON, "json", false, "with --list-rules: JSON output")
	return c
}

func runRedact(ctx context.Context, o *redactOptions, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if o.listRules {
		return listRules(stdout, o.asJSON)
	}
	if len(args) == 0 {
		return usageError("redact needs at least one PATH (or - for stdin)")
	}
	if err := collect.CheckLiterals(o.literals); err != nil {
		return usageError("%v", err)
	}
	stdinSeen := false
	var folders int
	for _, a := range args {
		if a == "-" {
			if stdinSeen {
				return usageError("- (stdin) given twice")
			}
			stdinSeen = true
			continue
		}
		st, err := os.Stat(a)
		if err != nil {
			return fmt.Errorf("%s: %v", a, errors.Unwrap(err))
		}
		if st.IsDir() {
			folders++
		}
	}
	toFolder := folders > 0 || (o.out != "" && len(args) > 1)
	if toFolder && o.out == "" {
		return usageError("a folder needs -o OUT (the folder to write the redacted copy to)")
	}
	if toFolder {
		// Files given one by one land in OUT under their base names: two with the same name
		// would overwrite each other.
		seen := map[string]string{}
		for _, a := range args {
			if st, err := os.Stat(a); err == nil && !st.IsDir() {
				b := filepath.Base(a)
				if prev, dup := seen[b]; dup {
					return usageError("%s and %s would both be written to %s; redact them separately or as folders", prev, a, filepath.Join(o.out, b))
				}
				seen[b] = a
			}
		}
	}
	if toFolder && stdinSeen {
		return usageError("- (stdin) cannot be mixed with folder output; redact it separately")
	}

	s, _, src, err := spec.Load(ctx, o.specRef)
	if err != nil {
		return err
	}
	// The same engine as collect's, from the same builder: this machine's host and user names
	// and the key of an existing --anonymize-map are used as collect uses them.
	host, _ := os.Hostname()
	var username string
	if u, err := user.Current(); err == nil {
		username = u.Username
	}
	cfg, err := collect.RedactOptions{Spec: s, Source: src, Literals: o.literals, Keys: o.keys, Disable: o.disable,
		Domains: o.domains, Anonymize: o.anonymize, AnonymizeMap: o.anonymizeMap, Hostname: host, Username: username}.Config()
	if err != nil {
		return err
	}
	eng, err := redact.New(cfg)
	if err != nil {
		return err
	}

	var failed []string
	fail := func(name string, err error) {
		failed = append(failed, name)
		eng.Drop(name, err.Error())
		fmt.Fprintf(stderr, "casefile: %s: %v (left out)\n", name, err)
	}
	if toFolder {
		if err := os.MkdirAll(o.out, 0o755); err != nil {
			return fmt.Errorf("-o %s: %w", o.out, err)
		}
		outAbs, _ := filepath.Abs(o.out)
		for _, a := range args {
			st, _ := os.Stat(a)
			if !st.IsDir() {
				name := filepath.Base(a)
				if err := redactFile(ctx, eng, a, nil, filepath.Join(o.out, eng.Path(name)), name); err != nil {
					fail(a, err)
				}
				continue
			}
			root := a
			err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
				if err != nil {
					fail(p, err)
					return nil
				}
				if ctx.Err() != nil {
					return ctx.Err()
				}
				if abs, _ := filepath.Abs(p); abs == outAbs {
					return filepath.SkipDir // never redact our own output
				}
				rel, _ := filepath.Rel(root, p)
				if folders > 1 || len(args) > 1 {
					rel = filepath.Join(filepath.Base(filepath.Clean(root)), rel)
				}
				// Names can hold secrets too (a file named after a token).
				outRel := filepath.FromSlash(eng.Path(filepath.ToSlash(rel)))
				if d.IsDir() {
					return os.MkdirAll(filepath.Join(o.out, outRel), 0o755)
				}
				if !d.Type().IsRegular() {
					return nil // sockets, devices, symlinks: not copied
				}
				if err := redactFile(ctx, eng, p, nil, filepath.Join(o.out, outRel), filepath.ToSlash(outRel)); err != nil {
					fail(p, err)
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
	} else {
		for _, a := range args {
			var err error
			name := a
			if a == "-" {
				name = "<stdin>"
			}
			if o.out != "" {
				err = redactFile(ctx, eng, a, stdin, o.out, filepath.Base(name))
			} else {
				err = redactTo(ctx, eng, a, stdin, stdout, filepath.Base(name))
			}
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				fail(name, err)
			}
		}
	}

	rep := eng.Report()
	if o.report != "" {
		if err := writeReport(o.report, rep); err != nil {
			return err
		}
	}
	if cfg.Anonymize && o.anonymizeMap != "" {
		if err := collect.WriteAnonMap(o.anonymizeMap, eng); err != nil {
			return err
		}
	}
	fmt.Fprintf(stderr, "redacted %d values in %d files\n", rep.Total, rep.Files)
	if len(failed) > 0 {
		return fmt.Errorf("%d input(s) could not be redacted and were left out", len(failed))
	}
	return nil
}

// redactTo streams one input (a path or "-") to w.
func redactTo(ctx context.Context, eng *redact.Engine, path string, stdin io.Reader, w io.Writer, name string) error {
	var r io.Reader = stdin
	if path != "-" {
		f, err := openInterruptible(ctx, path)
		if err != nil {
			return err
		}
		defer f.Close()
		r = f
	}
	if f, ok := r.(*os.File); ok {
		defer unblockOnCancel(ctx, f)()
	}
	// Fail closed on what a text scan cannot redact: compressed or binary input would come out
	// with its secrets still inside.
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(8 << 10)
	if kind := collectors.Compression(head); kind != "" {
		tool := map[string]string{"gzip": "zcat", "zstd": "zstdcat", "bzip2": "bzcat", "xz": "xzcat"}[kind]
		return fmt.Errorf("%s-compressed input cannot be redacted as it is; decompress it first (%s FILE | casefile redact -)", kind, tool)
	}
	if collectors.IsBinary(head) && !looksUTF16(head) {
		return errors.New("binary input cannot be redacted")
	}
	r = br
	bw := bufio.NewWriterSize(w, 64<<10)
	rw := eng.NewWriter(bw, name)
	if _, err := io.CopyBuffer(rw, collectors.ContextReader(ctx, r), make([]byte, 64<<10)); err != nil {
		rw.Close()
		return err
	}
	if err := rw.Close(); err != nil {
		return err
	}
	return bw.Flush()
}

// redactFile writes the redacted copy of path to dst through a temporary file renamed into
// place, so a failure never leaves a partial or unredacted file behind.
func redactFile(ctx context.Context, eng *redact.Engine, path string, stdin io.Reader, dst, name string) error {
	if same, _ := samePath(path, dst); same {
		return fmt.Errorf("output %s would overwrite its input", dst)
	}
	if st, err := os.Stat(dst); err == nil && st.IsDir() {
		dst = filepath.Join(dst, filepath.Base(path))
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".casefile-redact-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := redactTo(ctx, eng, path, stdin, tmp, name); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), dst)
}

func samePath(a, b string) (bool, error) {
	if a == "-" {
		return false, nil
	}
	sa, err := os.Stat(a)
	if err != nil {
		return false, err
	}
	sb, err := os.Stat(b)
	if err != nil {
		return false, nil
	}
	return os.SameFile(sa, sb), nil
}

func writeReport(path string, rep redact.Report) error {
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("--report: %w", err)
	}
	return nil
}

func listRules(w io.Writer, asJSON bool) error {
	rules := redact.Rules()
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rules)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RULE\tFINDS")
	for _, r := range rules {
		fmt.Fprintf(tw, "%s\t%s\n", r.ID, r.Description)
	}
	return tw.Flush()
}

// looksUTF16 reports UTF-16 text (a byte-order mark, or NULs in every other byte of ASCII-heavy
// text), which the engine transcodes itself.
func looksUTF16(b []byte) bool {
	if len(b) >= 2 && (b[0] == 0xff && b[1] == 0xfe || b[0] == 0xfe && b[1] == 0xff) {
		return true
	}
	n := min(len(b)&^1, 512)
	if n < 8 {
		return false
	}
	even, odd := 0, 0
	for i := 0; i < n; i += 2 {
		if b[i] == 0 {
			even++
		}
		if b[i+1] == 0 {
			odd++
		}
	}
	half := n / 2
	return even*10 >= half*9 && odd*10 <= half || odd*10 >= half*9 && even*10 <= half
}

// openInterruptible opens path, giving up when ctx is done: opening a FIFO blocks until a writer
// comes, and Ctrl-C must still end casefile.
func openInterruptible(ctx context.Context, path string) (*os.File, error) {
	type opened struct {
		f   *os.File
		err error
	}
	ch := make(chan opened, 1)
	go func() {
		f, err := os.Open(path)
		ch <- opened{f, err}
	}()
	select {
	case o := <-ch:
		return o.f, o.err
	case <-ctx.Done():
		go func() {
			// The open may still complete (a writer comes): close what it returns.
			if o := <-ch; o.f != nil {
				o.f.Close()
			}
		}()
		return nil, ctx.Err()
	}
}

// unblockOnCancel makes a read blocked on f (a stalled pipe or FIFO writer) return once ctx is
// done: a deadline in the past wakes pollable files; others are closed. Call the result when
// reading is over.
func unblockOnCancel(ctx context.Context, f *os.File) (stop func()) {
	done := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			if f.SetReadDeadline(time.Now()) != nil {
				f.Close()
			}
		case <-done:
		}
	}()
	return func() { close(done) }
}
