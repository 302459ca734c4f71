package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/sluicehq/sluice/internal/daemon"
	"github.com/sluicehq/sluice/internal/keyring"
)

func newKeyring() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "keyring",
		Short: "Manage the key ring that seals session tokens and signs audit digests",
		Example: `  sluice keyring rotate --data-dir ./sluice-data
  sluice keyring list`,
	}
	var dataDir, file string
	path := func() string {
		if file != "" {
			return file
		}
		return filepath.Join(dataDir, "keyring.json")
	}
	rotate := &cobra.Command{
		Use:   "rotate",
		Short: "Add a new active key; older keys keep opening tokens they sealed",
		Long: `Add a new key to the ring. New session tokens are sealed with it; tokens sealed by older
keys keep working until they expire. Restart every replica (or give them the new ring) afterwards.`,
		Example: "  sluice keyring rotate --data-dir ./sluice-data",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := os.MkdirAll(filepath.Dir(path()), 0o700); err != nil {
				return err
			}
			r, _, err := keyring.LoadOrCreate(path(), nil)
			if err != nil {
				return err
			}
			next, err := r.Rotate(nil)
			if err != nil {
				return err
			}
			if err := next.Save(path()); err != nil {
				return err
			}
			ids := next.IDs()
			fmt.Fprintf(cmd.OutOrStdout(), "active key %s (%d keys in %s)\n", ids[len(ids)-1], len(ids), path())
			return nil
		},
	}
	list := &cobra.Command{
		Use:     "list",
		Short:   "List the key ids of the ring, the active one last",
		Example: "  sluice keyring list --data-dir ./sluice-data",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			data, err := os.ReadFile(path())
			if errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("no key ring at %s: it is created by the first `sluice serve` (or `sluice keyring rotate`)", path())
			}
			if err != nil {
				return err
			}
			r, err := keyring.Parse(data, nil)
			if err != nil {
				return err
			}
			ids := r.IDs()
			for i, id := range ids {
				mark := ""
				if i == len(ids)-1 {
					mark = " (active)"
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s%s\n", id, mark)
			}
			return nil
		},
	}
	for _, c := range []*cobra.Command{rotate, list} {
		c.Flags().StringVar(&dataDir, "data-dir", daemon.DefaultDataDir, "data directory")
		c.Flags().StringVar(&file, "keyring-file", "", "key ring file (default <data-dir>/keyring.json)")
	}
	cmd.AddCommand(rotate, list)
	return cmd
}
