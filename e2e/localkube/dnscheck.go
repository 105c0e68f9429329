package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"time"
)

// runDNSCheck resolves --name against exactly one DNS server (never the
// system resolver) and prints the addresses; exit 1 if it does not answer.
func runDNSCheck() int {
	fs := flag.NewFlagSet("dns-check", flag.ExitOnError)
	server := fs.String("server", "10.96.0.10:53", "DNS server ip:port")
	name := fs.String("name", "kubernetes.default.svc.cluster.local.", "name to resolve")
	timeout := fs.Duration("timeout", 3*time.Second, "timeout")
	_ = fs.Parse(os.Args[1:])
	r := &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, *server)
		},
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	addrs, err := r.LookupHost(ctx, *name)
	if err != nil {
		fmt.Fprintln(os.Stderr, "dns-check:", err)
		return 1
	}
	for _, a := range addrs {
		fmt.Println(a)
	}
	return 0
}
