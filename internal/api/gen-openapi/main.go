// Command gen-openapi writes internal/api/openapi.json from the route table.
// Run it with: go generate ./internal/api
package main

import (
	"fmt"
	"os"

	"github.com/switchboard-cc/switchboard/internal/api"
)

func main() {
	b, err := api.GenerateOpenAPI()
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen-openapi:", err)
		os.Exit(1)
	}
	if err := os.WriteFile("openapi.json", b, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "gen-openapi:", err)
		os.Exit(1)
	}
}
