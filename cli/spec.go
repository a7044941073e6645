package cli

import (
	"fmt"

	"github.com/casefile/casefile/collect"
	"github.com/casefile/casefile/collectors"
	"github.com/casefile/casefile/spec"
	"github.com/spf13/cobra"
)

func newSpecCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "spec",
		Short: "Validate and print collection specs",
	}
	c.AddCommand(&cobra.Command{
		Use:   "validate FILE",
		Short: "Check a spec file; errors name the file, line and key",
		Args:  exactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			s, _, _, err := spec.Load(c.Context(), args[0])
			if err != nil {
				return err
			}
			all, err := collect.DefaultRegistry().Build(collectors.Options{Spec: s, Root: "/"})
			if err != nil {
				return err
			}
			errs, warnings := collectors.CheckSpecNames(s, all, collect.BuiltinRuleIDs())
			for _, w := range warnings {
				fmt.Fprintln(c.ErrOrStderr(), "warning:", w)
			}
			if len(errs) > 0 {
				return errs
			}
			fmt.Fprintf(c.OutOrStdout(), "%s: ok (spec %q)\n", args[0], s.Metadata.Name)
			return nil
		},
	})
	var from string
	pr := &cobra.Command{
		Use:   "print",
		Short: "Print the effective spec (--spec FILE|URL, else embedded, else built-in default)",
		Args:  noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			s, _, src, err := spec.Load(c.Context(), from)
			if err != nil {
				return err
			}
			// What reaches the terminal is redacted like a bundle's spec.yaml: a vendor spec can
			// hold literals, URL passwords and argv secrets.
			eng, err := collect.NewEngine(collect.RedactOptions{Spec: s, Source: src, CommandSecrets: true})
			if err != nil {
				return err
			}
			out, err := collect.EffectiveSpec(&collect.Request{Spec: s}, eng).Marshal()
			if err != nil {
				return err
			}
			w := eng.NewWriter(c.OutOrStdout(), "spec.yaml")
			if _, err := w.Write(out); err != nil {
				return err
			}
			return w.Close()
		},
	}
	pr.Flags().StringVar(&from, "spec", "", "spec file or https:// URL")
	c.AddCommand(pr)
	return c
}

// exactArgs is cobra.ExactArgs with a usage exit code.
func exactArgs(n int) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if len(args) != n {
			return usageError("%s takes %d argument(s), got %d (see '%s --help')", c.Name(), n, len(args), c.CommandPath())
		}
		return nil
	}
}
