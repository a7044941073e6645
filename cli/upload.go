package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/casefile/casefile/collect"
	"github.com/casefile/casefile/spec"
	"github.com/casefile/casefile/upload"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// TokenEnv names the environment variable an upload token can come from.
const TokenEnv = "CASEFILE_UPLOAD_TOKEN"

type uploadOptions struct {
	to, put, token, caFile, recipient, specRef, stateDir string
	noEncrypt, asJSON                                    bool
	// toStderr: the result line goes to stderr (collect --upload: stdout holds collect's output).
	toStderr bool
}

func newUploadCmd() *cobra.Command {
	o := &uploadOptions{}
	c := &cobra.Command{
		Use:   "upload BUNDLE",
		Short: "Upload a bundle to the vendor's intake (resumable, age-encrypted)",
		Long: `Upload a bundle to the vendor's intake server over tus (resumable: run the same command
again after a cut or a kill and it goes on from the server's offset), encrypted with age to the
vendor's recipient so that only ciphertext leaves the machine.

The intake URL and the recipient come from the spec's upload: section (--to and --recipient
override); the upload token from --token, $` + TokenEnv + `, or a prompt on a terminal.
With --put URL the bundle (or its ciphertext) goes with one PUT to a presigned URL instead.
Plain http:// is refused except to loopback addresses. See docs/upload.md.`,
		Args: exactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			return runUpload(c, o, args[0])
		},
	}
	f := c.Flags()
	f.StringVar(&o.to, "to", "", "intake URL (default: the spec's upload.url)")
	f.StringVar(&o.put, "put", "", "presigned URL: send the bundle with one HTTPS PUT instead of tus")
	f.StringVar(&o.token, "token", "", "upload token (default: $"+TokenEnv+", else asked on a terminal)")
	f.StringVar(&o.caFile, "ca-file", "", "PEM file of a private CA to trust besides the system's")
	f.StringVar(&o.recipient, "recipient", "", "age recipient to encrypt to (default: the spec's upload.recipient)")
	f.BoolVar(&o.noEncrypt, "no-encrypt", false, "send the bundle unencrypted even if a recipient is known")
	f.StringVar(&o.specRef, "spec", "", "spec file or https:// URL whose upload section applies (default: embedded, else built-in)")
	f.StringVar(&o.stateDir, "state-dir", "", "folder for resume state and the ciphertext spool (default: the user cache folder)")
	f.BoolVar(&o.asJSON, "json", false, "print the result as JSON")
	f.MarkHidden("state-dir")
	return c
}

func runUpload(c *cobra.Command, o *uploadOptions, bundlePath string) error {
	ctx := c.Context()
	ios := streams(c)
	if o.put != "" && o.to != "" {
		return usageError("--to and --put both name the target; give one")
	}
	if o.noEncrypt && o.recipient != "" {
		return usageError("--no-encrypt and --recipient contradict each other")
	}
	s, _, _, err := spec.Load(ctx, o.specRef)
	if err != nil {
		return err
	}
	opts := upload.Options{Bundle: bundlePath, PutURL: o.put, CAFile: o.caFile, Proxy: http.ProxyFromEnvironment}
	if o.put == "" {
		opts.URL = o.to
		if opts.URL == "" && s.Upload != nil {
			opts.URL = s.Upload.URL
		}
		if opts.URL == "" {
			return usageError("no upload target: give --to URL or --put URL (the spec names no upload.url)")
		}
	}
	opts.Recipient = o.recipient
	if opts.Recipient == "" && s.Upload != nil {
		opts.Recipient = s.Upload.Recipient
	}
	if o.noEncrypt {
		opts.Recipient = ""
	}
	opts.Token = strings.TrimSpace(o.token)
	if opts.Token == "" {
		opts.Token = strings.TrimSpace(os.Getenv(TokenEnv))
	}
	if opts.Token == "" && o.put == "" {
		if opts.Token, err = promptToken(ios); err != nil {
			return err
		}
	}
	if opts.Token != "" {
		// Whatever an error quotes, the token never reaches the terminal.
		if err := ios.use(collect.RedactOptions{Literals: []string{opts.Token}}); err != nil {
			return err
		}
	}
	opts.StateDir = o.stateDir
	if opts.StateDir == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			return fmt.Errorf("no cache folder for the upload state (%v); give --state-dir", err)
		}
		opts.StateDir = filepath.Join(cache, "casefile", "uploads")
	}
	bar := newUploadBar(ios, !o.asJSON)
	opts.Progress = bar.progress
	opts.Phase = bar.phase
	res, err := upload.Upload(ctx, opts)
	bar.finish(err == nil)
	if err != nil {
		if errors.Is(err, upload.ErrResumable) || ctx.Err() != nil {
			fmt.Fprintf(ios.err, "casefile: the upload can be resumed: run the same command again\n")
		}
		return err
	}
	if o.asJSON {
		return writeJSON(ios.out, res)
	}
	out := io.Writer(ios.out)
	if o.toStderr {
		out = ios.err
	}
	what := "bundle"
	if res.Encrypted {
		what = "encrypted bundle"
	}
	fmt.Fprintf(out, "uploaded %s %s (%s", what, termSafe(res.Filename), humanBytes(res.Size))
	if res.Ticket != "" {
		fmt.Fprintf(out, ", ticket %s", termSafe(res.Ticket))
	}
	if res.ResumedAt > 0 {
		fmt.Fprintf(out, ", resumed at %s", humanBytes(res.ResumedAt))
	}
	fmt.Fprintf(out, ")\nsha256 %s\n", res.SHA256)
	return nil
}

// promptToken asks for the token on a terminal, without echo.
func promptToken(ios *iostreams) (string, error) {
	in, ok := ios.in.(*os.File)
	if !ok || !term.IsTerminal(int(in.Fd())) || !isTerminal(ios.err) {
		return "", fmt.Errorf("no upload token: give --token or set %s", TokenEnv)
	}
	// The prompt is fixed text: written straight to the terminal, past the line-holding redactor.
	fmt.Fprint(ios.err.dst, "upload token (from your support contact): ")
	b, err := term.ReadPassword(int(in.Fd()))
	fmt.Fprintln(ios.err.dst)
	if err != nil {
		// Not a terminal after all: read one line.
		line, rerr := bufio.NewReader(in).ReadString('\n')
		if rerr != nil && rerr != io.EOF {
			return "", err
		}
		b = []byte(line)
	}
	tok := strings.TrimSpace(string(b))
	if tok == "" {
		return "", errors.New("no upload token given")
	}
	return tok, nil
}

// uploadBar shows a byte progress bar with rate and ETA on stderr when it is a terminal.
type uploadBar struct {
	w   io.Writer
	on  bool
	bar *progressbar.ProgressBar
}

func newUploadBar(ios *iostreams, enabled bool) *uploadBar {
	// The bar redraws one line with \r and never ends it, so it cannot go through the
	// line-by-line redactor; it prints only numbers and fixed words, never a name or a URL.
	return &uploadBar{w: ios.err.dst, on: enabled && isTerminal(ios.err)}
}

func (b *uploadBar) phase(p string) {
	if !b.on || p == "uploading" {
		return
	}
	fmt.Fprintf(b.w, "\r\x1b[2K%s...", p)
}

func (b *uploadBar) progress(sent, total int64) {
	if !b.on {
		return
	}
	if b.bar == nil {
		fmt.Fprint(b.w, "\r\x1b[2K")
		b.bar = progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(b.w),
			progressbar.OptionSetDescription("uploading"),
			progressbar.OptionShowBytes(true),
			progressbar.OptionShowTotalBytes(true),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionSetElapsedTime(true),
			progressbar.OptionSetWidth(30),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionEnableColorCodes(false),
		)
	}
	b.bar.Set64(sent)
}

func (b *uploadBar) finish(ok bool) {
	if !b.on {
		return
	}
	if b.bar != nil {
		if ok {
			b.bar.Finish()
		}
		fmt.Fprintln(b.w)
		return
	}
	fmt.Fprint(b.w, "\r\x1b[2K")
}

func newDecryptCmd() *cobra.Command {
	var identity, out string
	c := &cobra.Command{
		Use:   "decrypt FILE -i IDENTITY -o OUT",
		Short: "Decrypt an age-encrypted bundle (as uploaded) back to the bundle, byte for byte",
		Args:  exactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if identity == "" || out == "" {
				return usageError("decrypt needs -i IDENTITY and -o OUT")
			}
			if err := upload.Decrypt(args[0], identity, out); err != nil {
				return err
			}
			fmt.Fprintf(streams(c).out, "%s\n", termSafe(out))
			return nil
		},
	}
	c.Flags().StringVarP(&identity, "identity", "i", "", "age identity file (age-keygen output)")
	c.Flags().StringVarP(&out, "output", "o", "", "where to write the decrypted bundle (must not exist)")
	return c
}
