package cli

import (
	"encoding/json"
	"fmt"

	"github.com/casefile/casefile/internal/buildinfo"
	"github.com/spf13/cobra"
)

func newVersionCmd() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "version",
		Short: "Print casefile's version and build information",
		Args:  noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			i := buildinfo.Get()
			if asJSON {
				return writeJSON(c.OutOrStdout(), i)
			}
			fmt.Fprintf(c.OutOrStdout(), "casefile %s (%s, %s/%s", i.Version, i.GoVersion, i.OS, i.Arch)
			if i.Revision != "" {
				fmt.Fprintf(c.OutOrStdout(), ", revision %s", i.Revision)
			}
			fmt.Fprintln(c.OutOrStdout(), ")")
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}

func writeJSON(w interface{ Write([]byte) (int, error) }, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
