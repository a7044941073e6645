package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/casefile/casefile/intake"
)

// intakeRemoteCmds are the intake's commands for remote requests (docs/remote.md): they run where
// the intake's data folder and config are, like `intake token`, and read and write its storage.
func intakeRemoteCmds() []*cobra.Command {
	return []*cobra.Command{newIntakeEnrollTokenCmd(), newIntakeRequestCmd(), newIntakeRequestsCmd(), newIntakeHostsCmd()}
}

func newIntakeEnrollTokenCmd() *cobra.Command {
	var o intakeOpts
	var ttl time.Duration
	c := &cobra.Command{
		Use:   "enroll-token",
		Short: "Print an enrollment token, for registering a host with casefile daemon --enroll TOKEN",
		Long: `Print an enrollment token. A daemon enrolls with it once (casefile daemon --enroll TOKEN),
registering its public key; the intake then accepts requests signed with that key. An
enrollment token cannot upload and an upload token cannot enroll. It may enroll several hosts
until it expires.`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			cfg, err := o.load()
			if err != nil {
				return err
			}
			if ttl <= 0 {
				return usageError("--ttl must be positive")
			}
			key, err := intake.LoadKey(o.data, cfg.KeyFile)
			if err != nil {
				return err
			}
			cl, err := intake.NewEnrollClaims(time.Now(), ttl)
			if err != nil {
				return err
			}
			tok, err := intake.SignEnroll(key, cl)
			if err != nil {
				return err
			}
			fmt.Fprintln(c.OutOrStdout(), tok)
			return nil
		},
	}
	o.flags(c)
	c.Flags().DurationVar(&ttl, "ttl", 24*time.Hour, "how long the token is valid")
	return c
}

func newIntakeRequestCmd() *cobra.Command {
	var o intakeOpts
	var ticket, host, note string
	var asJSON bool
	c := &cobra.Command{
		Use:   "request",
		Short: "Ask an enrolled host for a bundle for a ticket (the host's daemon picks it up at its next poll)",
		Args:  noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if !intake.ValidTicket(ticket) {
				return usageError("--ticket: want letters, digits, '.', '_' or '-' (at most 64), got %q", ticket)
			}
			if host == "" {
				return usageError("--host is required (the id casefile daemon --enroll printed, h-...)")
			}
			rem, err := o.openRemote()
			if err != nil {
				return err
			}
			q, err := rem.CreateRequest(ticket, host, note)
			if errors.Is(err, fs.ErrNotExist) {
				return usageError("--host: %v", err)
			}
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(c.OutOrStdout(), q)
			}
			fmt.Fprintln(c.OutOrStdout(), q.ID)
			fmt.Fprintf(c.ErrOrStderr(), "requested a bundle for ticket %s from host %s; see casefile intake requests\n", q.Ticket, q.Host)
			return nil
		},
	}
	o.flags(c)
	c.Flags().StringVar(&ticket, "ticket", "", "the ticket the bundle is for (required)")
	c.Flags().StringVar(&host, "host", "", "the enrolled host's id (required)")
	c.Flags().StringVar(&note, "note", "", "a note shown on the host (e.g. what to look at)")
	c.Flags().BoolVar(&asJSON, "json", false, "print the request as JSON")
	return c
}

func newIntakeRequestsCmd() *cobra.Command {
	var o intakeOpts
	var host, ticket string
	var asJSON bool
	c := &cobra.Command{
		Use:   "requests",
		Short: "List remote requests and their status (pending, delivered, waiting, declined, collected, uploaded, failed)",
		Args:  noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			rem, err := o.openRemote()
			if err != nil {
				return err
			}
			qs, err := rem.Requests(host)
			if err != nil {
				return err
			}
			if ticket != "" {
				kept := qs[:0]
				for _, q := range qs {
					if q.Ticket == ticket {
						kept = append(kept, q)
					}
				}
				qs = kept
			}
			if asJSON {
				return writeJSON(c.OutOrStdout(), struct {
					Requests []intake.HostRequest `json:"requests"`
				}{qs})
			}
			tw := tabwriter.NewWriter(c.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tTICKET\tHOST\tCREATED\tSTATUS\tBUNDLE\tREASON")
			for _, q := range qs {
				sha := q.BundleSHA256
				if len(sha) > 16 {
					sha = sha[:16]
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", q.ID, q.Ticket, q.Host, q.CreatedAt.UTC().Format(time.RFC3339),
					q.Status, orDash(sha), orDash(termSafe(q.Reason)))
			}
			return tw.Flush()
		},
	}
	o.flags(c)
	c.Flags().StringVar(&host, "host", "", "only this host's requests")
	c.Flags().StringVar(&ticket, "ticket", "", "only this ticket's requests")
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}

func newIntakeHostsCmd() *cobra.Command {
	var o intakeOpts
	var asJSON bool
	var remove string
	c := &cobra.Command{
		Use:   "hosts",
		Short: "List the enrolled hosts, or remove one (--remove HOST)",
		Args:  noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			rem, err := o.openRemote()
			if err != nil {
				return err
			}
			if remove != "" {
				err := rem.RemoveHost(remove)
				if errors.Is(err, fs.ErrNotExist) {
					return usageError("--remove: %v", err)
				}
				if err != nil {
					return err
				}
				fmt.Fprintf(c.ErrOrStderr(), "removed host %s; its open requests ended failed\n", remove)
				return nil
			}
			hs, err := rem.Hosts()
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(c.OutOrStdout(), struct {
					Hosts []intake.Host `json:"hosts"`
				}{hs})
			}
			tw := tabwriter.NewWriter(c.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "HOST\tNAME\tENROLLED")
			for _, h := range hs {
				fmt.Fprintf(tw, "%s\t%s\t%s\n", h.ID, orDash(termSafe(h.Name)), h.EnrolledAt.UTC().Format(time.RFC3339))
			}
			return tw.Flush()
		},
	}
	o.flags(c)
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	c.Flags().StringVar(&remove, "remove", "", "remove this host: its requests are refused from then on")
	return c
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// enrollTokenID reads an enrollment token for intake revoke: ok when tok is one (by its form).
func enrollTokenID(key []byte, tok string) (id string, ok bool, err error) {
	tok = strings.TrimSpace(tok)
	if !strings.HasPrefix(tok, "cfh1.") {
		return "", false, nil
	}
	c, err := intake.ParseEnroll(key, tok)
	return c.ID, true, err
}

// openRemote opens the intake's hosts and requests, as the config and data folder say.
func (o *intakeOpts) openRemote() (*intake.Remote, error) {
	cfg, err := o.load()
	if err != nil {
		return nil, err
	}
	return intake.OpenRemote(o.data, cfg, nil)
}
