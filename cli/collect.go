package cli

import "github.com/spf13/cobra"

func newCollectCmd() *cobra.Command { return &cobra.Command{Use: "collect"} }
func newInspectCmd() *cobra.Command { return &cobra.Command{Use: "inspect"} }
func newVerifyCmd() *cobra.Command  { return &cobra.Command{Use: "verify"} }
