// Command casefile collects diagnostics into a redacted, reproducible support bundle.
package main

import (
	"os"

	"github.com/casefile/casefile/cli"
)

func main() { os.Exit(cli.Main(os.Args[1:])) }
