package cli

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"filippo.io/age"
	"github.com/spf13/cobra"

	"github.com/casefile/casefile/intake"
	"github.com/casefile/casefile/intake/desk"
	"github.com/casefile/casefile/spec"
)

func newIntakeCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "intake",
		Short: "Run the intake server that receives uploaded bundles, and manage its tokens",
		Long: `The intake server receives bundles over tus 1.0, authorised by signed upload tokens that
name one ticket, verifies them, files them under their ticket and keeps an index.

  casefile intake serve --listen 127.0.0.1:8470 --data /srv/casefile
  casefile intake token --data /srv/casefile --ticket 4821 --ttl 72h
  casefile intake token --data /srv/casefile --engineer alice --ttl 720h
  casefile intake list --data /srv/casefile --ticket 4821

See docs/intake.md.`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error { return c.Help() },
	}
	c.AddCommand(newIntakeServeCmd(), newIntakeTokenCmd(), newIntakeRevokeCmd(), newIntakeListCmd(), newIntakeReindexCmd())
	c.AddCommand(intakeRemoteCmds()...) // enroll-token, request, requests, hosts (intake_request.go)
	return c
}

type intakeOpts struct {
	data, config string
}

func (o *intakeOpts) flags(c *cobra.Command) {
	c.Flags().StringVar(&o.data, "data", "", "the intake's data folder (required)")
	c.Flags().StringVar(&o.config, "config", "", "intake config file (YAML)")
}

func (o *intakeOpts) load() (*intake.Config, error) {
	if o.data == "" {
		return nil, usageError("--data is required")
	}
	if o.config == "" {
		return &intake.Config{Limits: intake.DefaultLimits}, nil
	}
	return intake.LoadConfig(o.config)
}

func newIntakeServeCmd() *cobra.Command {
	var o intakeOpts
	var listen, tlsCert, tlsKey string
	c := &cobra.Command{
		Use:   "serve",
		Short: "Receive tus uploads at <listen>/files/; the web view at /web/, the upload page at /u/<token>",
		Args:  noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			cfg, err := o.load()
			if err != nil {
				return err
			}
			if listen == "" {
				listen = cfg.Listen
			}
			if listen == "" {
				listen = "127.0.0.1:8470"
			}
			var tlsCfg *tls.Config
			if (tlsCert == "") != (tlsKey == "") {
				return usageError("--tls-cert and --tls-key go together")
			}
			if tlsCert != "" {
				cert, err := tls.LoadX509KeyPair(tlsCert, tlsKey)
				if err != nil {
					return fmt.Errorf("--tls-cert %s, --tls-key %s: %w", tlsCert, tlsKey, err)
				}
				tlsCfg = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
			}
			key, err := intake.LoadKey(o.data, cfg.KeyFile)
			if err != nil {
				return err
			}
			var ids []age.Identity
			if cfg.IdentityFile != "" {
				f, err := os.Open(cfg.IdentityFile)
				if err != nil {
					return err
				}
				ids, err = age.ParseIdentities(f)
				f.Close()
				if err != nil {
					return fmt.Errorf("identity_file %s: %w", cfg.IdentityFile, err)
				}
			}
			logger := slog.New(slog.NewJSONHandler(c.ErrOrStderr(), nil))
			var conn desk.Connector // the secret is read here, once, from the variable or file the config names
			if cfg.Desk != nil {
				if conn, err = desk.New(*cfg.Desk, desk.Env{LookupEnv: os.LookupEnv, ReadFile: os.ReadFile}); err != nil {
					return err
				}
			}
			srv, err := intake.New(intake.Options{DataDir: o.data, Config: cfg, Key: key, Identities: ids, Logger: logger, Desk: conn})
			if err != nil {
				return err
			}
			defer srv.Close()
			ln, err := net.Listen("tcp", listen)
			if err != nil {
				return err
			}
			hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute, TLSConfig: tlsCfg}
			base := "http://" + ln.Addr().String()
			if tlsCfg != nil {
				base = "https://" + ln.Addr().String()
			}
			logger.Info("intake listening", "addr", ln.Addr().String(), "files", base+intake.BasePath, "web", base+intake.WebPath)
			errc := make(chan error, 1)
			go func() {
				if tlsCfg != nil {
					errc <- hs.ServeTLS(ln, "", "")
					return
				}
				errc <- hs.Serve(ln)
			}()
			select {
			case err := <-errc:
				return err
			case <-c.Context().Done():
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				hs.Shutdown(ctx)
				return c.Context().Err()
			}
		},
	}
	o.flags(c)
	c.Flags().StringVar(&listen, "listen", "", "address to listen on (default: the config's listen, else 127.0.0.1:8470)")
	c.Flags().StringVar(&tlsCert, "tls-cert", "", "serve HTTPS with this certificate (PEM; with --tls-key): the browser upload page needs HTTPS off loopback")
	c.Flags().StringVar(&tlsKey, "tls-key", "", "the private key of --tls-cert (PEM)")
	return c
}

func newIntakeTokenCmd() *cobra.Command {
	var o intakeOpts
	var ticket, maxSize, engineer string
	var ttl time.Duration
	c := &cobra.Command{
		Use:   "token",
		Short: "Print an upload token for one ticket, or with --engineer an engineer token for the web view",
		Args:  noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			cfg, err := o.load()
			if err != nil {
				return err
			}
			if c.Flags().Changed("engineer") {
				if c.Flags().Changed("ticket") || c.Flags().Changed("max-size") {
					return usageError("--engineer makes a token that reads bundles: it takes no --ticket or --max-size")
				}
				if !intake.ValidEngineer(engineer) {
					return usageError("--engineer: want a name of letters, digits, '.', '_', '@', '+' or '-' (at most 64), got %q", engineer)
				}
				if ttl <= 0 {
					return usageError("--ttl must be positive")
				}
				key, err := intake.LoadKey(o.data, cfg.KeyFile)
				if err != nil {
					return err
				}
				ec, err := intake.NewEngineerClaims(engineer, time.Now(), ttl)
				if err != nil {
					return err
				}
				tok, err := intake.SignEngineer(key, ec)
				if err != nil {
					return err
				}
				fmt.Fprintln(c.OutOrStdout(), tok)
				return nil
			}
			if !intake.ValidTicket(ticket) {
				return usageError("--ticket: want letters, digits, '.', '_' or '-' (at most 64), got %q", ticket)
			}
			if ttl <= 0 {
				return usageError("--ttl must be positive")
			}
			max, err := spec.ParseSize(maxSize)
			if err != nil || max <= 0 {
				return usageError("--max-size: want a size such as 2GiB, got %q", maxSize)
			}
			key, err := intake.LoadKey(o.data, cfg.KeyFile)
			if err != nil {
				return err
			}
			cl, err := intake.NewClaims(ticket, time.Now(), ttl, max)
			if err != nil {
				return err
			}
			tok, err := intake.Sign(key, cl)
			if err != nil {
				return err
			}
			fmt.Fprintln(c.OutOrStdout(), tok)
			return nil
		},
	}
	o.flags(c)
	c.Flags().StringVar(&ticket, "ticket", "", "the ticket the token uploads to (required unless --engineer)")
	c.Flags().StringVar(&engineer, "engineer", "", "print an engineer token for NAME instead: it logs in to the web view (/web/) and cannot upload")
	c.Flags().DurationVar(&ttl, "ttl", 72*time.Hour, "how long the token is valid")
	c.Flags().StringVar(&maxSize, "max-size", "2GiB", "largest upload the token allows")
	return c
}

func newIntakeRevokeCmd() *cobra.Command {
	var o intakeOpts
	c := &cobra.Command{
		Use:   "revoke TOKEN",
		Short: "Revoke an upload token (every instance sharing the storage — folder or S3 bucket — refuses it)",
		Args: func(c *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError("%s takes one token, got %d arguments", c.CommandPath(), len(args))
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			cfg, err := o.load()
			if err != nil {
				return err
			}
			key, err := intake.LoadKey(o.data, cfg.KeyFile)
			if err != nil {
				return err
			}
			cl, err := intake.Parse(key, strings.TrimSpace(args[0]))
			what := "ticket " + cl.Ticket
			if errors.Is(err, intake.ErrTokenKind) { // an engineer token: revoked by id alike
				var ec intake.EngineerClaims
				ec, err = intake.ParseEngineer(key, strings.TrimSpace(args[0]))
				cl.ID, what = ec.ID, "engineer "+ec.Engineer
			}
			if id, ok, eerr := enrollTokenID(key, args[0]); ok { // an enrollment token (intake_request.go)
				cl.ID, what, err = id, "enrollment", eerr
			}
			if err != nil {
				return err
			}
			// Into the storage every instance reads: the data folder's, or the S3 bucket.
			rev, err := intake.OpenRevocations(o.data, cfg)
			if err != nil {
				return err
			}
			if err := rev.Revoke(cl.ID); err != nil {
				return err
			}
			fmt.Fprintf(c.ErrOrStderr(), "revoked token %s (%s)\n", cl.ID, what)
			return nil
		},
	}
	o.flags(c)
	return c
}

func newIntakeListCmd() *cobra.Command {
	var o intakeOpts
	var ticket string
	var asJSON bool
	c := &cobra.Command{
		Use:   "list",
		Short: "List received bundles from the index",
		Args:  noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if _, err := o.load(); err != nil {
				return err
			}
			if _, err := os.Stat(o.data); err != nil {
				return err
			}
			x, err := intake.OpenIndex(o.data + string(os.PathSeparator) + "index.db")
			if err != nil {
				return err
			}
			defer x.Close()
			recs, err := x.List(ticket)
			if err != nil {
				return err
			}
			return renderRecords(c, recs, asJSON)
		},
	}
	o.flags(c)
	c.Flags().StringVar(&ticket, "ticket", "", "only this ticket's bundles")
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}

func newIntakeReindexCmd() *cobra.Command {
	var o intakeOpts
	var asJSON bool
	c := &cobra.Command{
		Use:   "reindex",
		Short: "Rebuild the index from storage alone",
		Args:  noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			cfg, err := o.load()
			if err != nil {
				return err
			}
			if _, err := os.Stat(o.data); err != nil {
				return err
			}
			recs, err := intake.Reindex(o.data, cfg)
			if err != nil {
				return err
			}
			if !asJSON {
				fmt.Fprintf(c.ErrOrStderr(), "indexed %d bundles\n", len(recs))
			}
			return renderRecords(c, recs, asJSON)
		},
	}
	o.flags(c)
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}

func renderRecords(c *cobra.Command, recs []intake.Record, asJSON bool) error {
	if recs == nil {
		recs = []intake.Record{}
	}
	if asJSON {
		return writeJSON(c.OutOrStdout(), struct {
			Bundles []intake.Record `json:"bundles"`
		}{recs})
	}
	tw := tabwriter.NewWriter(c.OutOrStdout(), 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTICKET\tSHA256\tSIZE\tRECEIVED\tSTATUS\tFINDINGS\tDESK")
	for _, r := range recs {
		status := r.Status
		if len(r.Duplicates) > 0 {
			status += fmt.Sprintf(" (+%d dup)", len(r.Duplicates))
		}
		deskState := "-" // no desk connector, or not filed ok
		if r.Desk != nil {
			deskState = r.Desk.String() // attached | linked | pending (...) | failed (reason)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%dc %dw %di\t%s\n", r.ID, r.Ticket, r.SHA256[:16], r.Size,
			r.ReceivedAt.UTC().Format(time.RFC3339), status, r.Findings.Critical, r.Findings.Warning, r.Findings.Info, deskState)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return nil
}
