package cli

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/spf13/cobra"
)

// harden makes every argument mistake a usage error (exit 2) with a hint, across the whole
// command tree, including the commands cobra adds itself (help, completion): a wrong positional
// argument, an unknown subcommand of a group (`spec nosub`, `completion tcsh`) and an unknown
// help topic no longer print help and exit 0, or exit 1 without a hint.
func harden(root *cobra.Command) {
	root.SetHelpCommand(&cobra.Command{
		Use:   "help [command]",
		Short: "Help about any command or topic (casefile help exit-codes)",
		RunE: func(c *cobra.Command, args []string) error {
			cmd, rest, err := c.Root().Find(args)
			if err != nil || len(rest) > 0 || cmd == nil {
				return usageError("no help topic %q (see 'casefile --help' for the commands and topics)", strings.Join(args, " "))
			}
			return cmd.Help()
		},
	})
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			walk(sub)
		}
		if c.HasSubCommands() && !c.Runnable() {
			c.Args = cobra.ArbitraryArgs
			c.RunE = func(cmd *cobra.Command, args []string) error {
				if len(args) > 0 {
					return usageError("unknown command %q for %q (see '%s --help')", args[0], cmd.CommandPath(), cmd.CommandPath())
				}
				return cmd.Help()
			}
			return
		}
		if orig := c.Args; orig != nil {
			c.Args = func(cmd *cobra.Command, args []string) error {
				err := orig(cmd, args)
				var ee *exitError
				if err == nil || errors.As(err, &ee) {
					return err
				}
				return usageError("%v (see '%s --help')", err, cmd.CommandPath())
			}
		}
	}
	walk(root)
}

var ticketLike = regexp.MustCompile(`^[A-Za-z]*-?[0-9]+$`)

// noArgs is cobra.NoArgs with a usage exit code and, for a command that takes --ticket, a hint
// when the argument looks like a ticket id (`casefile collect 4821`).
func noArgs(c *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	hint := ""
	if c.Flags().Lookup("ticket") != nil && ticketLike.MatchString(args[0]) {
		hint = fmt.Sprintf("; did you mean --ticket %s?", args[0])
	}
	return usageError("%s takes no arguments, got %q%s (see '%s --help')", c.CommandPath(), args[0], hint, c.CommandPath())
}
