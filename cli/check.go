package cli

import "github.com/spf13/cobra"

// newCheckCmd is a placeholder; the network issue builds `casefile check`.
func newCheckCmd() *cobra.Command {
	return &cobra.Command{Use: "check", Short: "Run one network check live", Hidden: true}
}
