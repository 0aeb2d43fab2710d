package main

import (
	"os"

	"github.com/spf13/cobra"
	"github.com/switchboard-cc/switchboard/internal/app"
	"github.com/switchboard-cc/switchboard/internal/config"
)

func newServeCmd() *cobra.Command {
	cfg := config.Default()
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run every role of Switchboard in this process",
		Long: `Run Switchboard. With no other settings it keeps everything under --data:
a SQLite database and an embedded NATS server. Point --database-url at PostgreSQL
and --nats-url at a NATS cluster to run several processes as one deployment.

Every flag can also be set as an environment variable SWITCHBOARD_<FLAG> or as a
key in the YAML file named by --config; flags win over the environment, which wins
over the file. SWITCHBOARD_ADMIN_TOKEN sets a deployment-admin API key.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := cfg.Load(cmd.Flags(), os.LookupEnv); err != nil {
				return err
			}
			log := cfg.Logger(os.Stderr)
			a, err := app.New(cmd.Context(), cfg, log)
			if err != nil {
				return err
			}
			return a.Run(cmd.Context())
		},
	}
	cfg.Bind(cmd.Flags())
	return cmd
}
