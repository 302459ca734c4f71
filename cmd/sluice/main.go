// Command sluice is a self-hosted access-control plane for data lakes that speaks the AWS APIs.
// Run `sluice --help`.
package main

import (
	"os"

	"github.com/sluicehq/sluice/internal/cli"
)

func main() { os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }
