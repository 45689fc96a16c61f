package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"syscall"
)

// runServer runs the engine headless until SIGINT or SIGTERM, logging to
// stderr. Persistent queries keep running; the REST API comes later.
func runServer(args []string, stderr io.Writer) int {
	var c config
	fs := flag.NewFlagSet("eddy server", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c.register(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "eddy server: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	logger := log.New(stderr, "", log.LstdFlags|log.Lmicroseconds)
	if err := ensureDataDir(c.dataDir); err != nil {
		logger.Print(err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	st, err := start(ctx, &c, logger.Printf)
	if err != nil {
		logger.Print(err)
		return 1
	}
	logger.Printf("eddy %s server running (service id %s); %s", version(), c.serviceID, st.kafkaDesc)
	logger.Printf("the REST API (%s) is not available yet; persistent queries run until SIGINT/SIGTERM", c.listen)
	<-ctx.Done()
	logger.Print("shutting down")
	if err := st.Close(); err != nil {
		logger.Printf("shutdown: %v", err)
		return 1
	}
	return 0
}
