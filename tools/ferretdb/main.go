// Command ferretdb runs FerretDB 1.24 for Shouwang's integration tests (its SQLite backend) and
// benchmarks (SQLite, or PostgreSQL with -postgresql-url).
//
// A plain `go install` of FerretDB's own command panics at start because the module zip lacks
// build/version/version.txt; the embeddable package does not need it, so this wrapper uses that.
//
// With -debug-addr it also serves Go's /debug/pprof there, so a benchmark can see where the
// server's CPU goes (FerretDB's own debug handler is not part of the embeddable package).
package main

import (
	"context"
	"flag"
	"log"
	"log/slog"
	"net/http"
	_ "net/http/pprof"
	"os"
	"os/signal"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listenAddr := flag.String("listen-addr", "127.0.0.1:27017", "TCP address to listen on")
	sqliteURL := flag.String("sqlite-url", "file:data/", "SQLite directory URI (must end with /)")
	postgreSQLURL := flag.String("postgresql-url", "", "PostgreSQL URL: store there, not in SQLite")
	debugAddr := flag.String("debug-addr", "", "TCP address for Go's /debug/pprof (empty: none)")
	flag.Parse()

	if *debugAddr != "" {
		go func() { log.Print(http.ListenAndServe(*debugAddr, nil)) }()
	}

	handler := "sqlite"
	if *postgreSQLURL != "" {
		handler = "postgresql"
	}

	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	server, err := ferretdb.New(&ferretdb.Config{
		Listener:      ferretdb.ListenerConfig{TCP: *listenAddr},
		Logger:        logger,
		Handler:       handler,
		SQLiteURL:     *sqliteURL,
		PostgreSQLURL: *postgreSQLURL,
	})
	if err != nil {
		log.Fatal(err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := server.Run(ctx); err != nil {
		log.Fatal(err)
	}
}
