// Command pprofserve is `switchboard serve` with net/http/pprof on a side
// address, for profiling the server under bench/chatload's load. It builds
// the app exactly as cmd/switchboard's serve does (config.Load, app.New,
// app.Run); the product binary serves no pprof.
//
//	go build -o /tmp/pprofserve ./bench/chatload/pprofserve
//	go run ./bench/chatload --bin /tmp/pprofserve --server-arg=--pprof=127.0.0.1:6060 \
//	    --pprof http://127.0.0.1:6060/debug/pprof --cpuprofile /tmp/server.pprof ...
package main

import (
	"context"
	"fmt"
	"net/http"
	_ "net/http/pprof" // the profiling handlers on http.DefaultServeMux
	"os"
	"os/signal"
	"runtime"
	"syscall"

	"github.com/spf13/pflag"

	"github.com/switchboard-cc/switchboard/internal/app"
	"github.com/switchboard-cc/switchboard/internal/config"
)

func main() {
	args := os.Args[1:]
	if len(args) > 0 && args[0] == "serve" {
		args = args[1:]
	}
	cfg := config.Default()
	fs := pflag.NewFlagSet("serve", pflag.ExitOnError)
	cfg.Bind(fs)
	pprofAddr := fs.String("pprof", "127.0.0.1:6060", "net/http/pprof listen address")
	mutexFraction := fs.Int("mutex-fraction", 0, "runtime.SetMutexProfileFraction (0: off)")
	blockRate := fs.Int("block-rate", 0, "runtime.SetBlockProfileRate in ns (0: off)")
	if err := fs.Parse(args); err != nil {
		fail(err)
	}
	if err := cfg.Load(fs, os.LookupEnv); err != nil {
		fail(err)
	}
	runtime.SetMutexProfileFraction(*mutexFraction)
	runtime.SetBlockProfileRate(*blockRate)
	go func() {
		if err := http.ListenAndServe(*pprofAddr, nil); err != nil {
			fmt.Fprintln(os.Stderr, "pprof:", err)
		}
	}()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	a, err := app.New(ctx, cfg, cfg.Logger(os.Stderr))
	if err != nil {
		fail(err)
	}
	if err := a.Run(ctx); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "pprofserve:", err)
	os.Exit(1)
}
