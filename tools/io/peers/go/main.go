// The Go peer of Cadre's I/O benchmarks (docs/performance.md, "Talking to
// the world"): an echo server on the net package (one goroutine per
// connection, the way Go servers are written) and an HTTP/1.1 "hello"
// server on net/http (keep-alive is its default). Standard library only.
//
//	cadre-io-peer-go -mode echo|http -port P -workers N
//
// -workers sets GOMAXPROCS, so Go runs on as many threads as the other
// servers' workers. The echo copies with a 64 KiB buffer per connection
// (io.CopyBuffer's shape, written out so that a write error ends it too).
package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"runtime"
	"strconv"
)

func echo(c net.Conn) {
	defer c.Close()
	buf := make([]byte, 64*1024)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			if _, werr := c.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func main() {
	mode := flag.String("mode", "echo", "echo or http")
	port := flag.Int("port", 7002, "port on 127.0.0.1")
	workers := flag.Int("workers", 1, "GOMAXPROCS")
	flag.Parse()
	if *workers < 1 {
		fmt.Fprintln(os.Stderr, "go peer: bad -workers")
		os.Exit(2)
	}
	runtime.GOMAXPROCS(*workers)
	addr := "127.0.0.1:" + strconv.Itoa(*port)
	if *mode == "http" {
		hello := []byte("Hello, World!")
		http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			w.Header().Set("Content-Length", "13")
			w.Write(hello)
		})
		fmt.Fprintln(os.Stderr, http.ListenAndServe(addr, nil))
		os.Exit(1)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "go peer:", err)
		os.Exit(1)
	}
	for {
		c, err := ln.Accept()
		if err != nil {
			continue
		}
		go echo(c)
	}
}
