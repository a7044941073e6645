package cli

import "github.com/spf13/cobra"

// newRedactCmd is a placeholder; the redaction issue builds `casefile redact`.
func newRedactCmd() *cobra.Command {
	return &cobra.Command{Use: "redact PATH...", Short: "Redact files or stdin", Hidden: true}
}
