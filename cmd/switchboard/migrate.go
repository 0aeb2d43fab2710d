package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"github.com/switchboard-cc/switchboard/internal/config"
	"github.com/switchboard-cc/switchboard/internal/store"
)

func newMigrateCmd() *cobra.Command {
	cfg := config.Default()
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Apply pending database migrations and print the schema version",
		Long:  "Apply the embedded migrations to the database named by --database-url (or the SQLite file in --data). serve does the same on start.",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := cfg.Load(cmd.Flags(), os.LookupEnv); err != nil {
				return err
			}
			st, err := store.Open(cmd.Context(), store.Options{DatabaseURL: cfg.DatabaseURL, DataDir: cfg.DataDir, Logger: cfg.Logger(os.Stderr)})
			if err != nil {
				return err
			}
			defer st.Close()
			cur, latest, err := st.MigrationStatus(cmd.Context())
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s schema at version %d (latest %d)\n", st.Dialect(), cur, latest)
			return nil
		},
	}
	cfg.Bind(cmd.Flags())
	return cmd
}
