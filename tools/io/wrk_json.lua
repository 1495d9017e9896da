-- wrk's report as one JSON line (docs/benchmarks.md), for tools/io/run-io-bench.sh:
--   IMPL=go WORKERS=2 wrk -t1 -c64 -d3s -s wrk_json.lua http://127.0.0.1:7002/
-- msgs = requests completed, mps = requests/s; latency percentiles come from
-- wrk's own histogram (microseconds, reported here in ns). check is "ok" when
-- some requests completed and wrk counted no error: no failed connect, read,
-- write or timeout, and no status other than 2xx/3xx.
done = function(summary, latency, requests)
   local e = summary.errors
   local bad = e.connect + e.read + e.write + e.status + e.timeout
   local secs = summary.duration / 1e6
   local ok = "ok"
   if bad > 0 or summary.requests == 0 then ok = "fail" end
   io.write(string.format(
      '{"bench":"http","impl":"%s","workers":%d,"msgs":%d,"secs":%.3f,"mps":%.1f,"runs":1,' ..
      '"stat":"median","check":"%s","conns":%d,"tool":"wrk","errors":%d,' ..
      '"p50_ns":%d,"p99_ns":%d,"p999_ns":%d,"max_ns":%d}\n',
      os.getenv("IMPL") or "unknown", tonumber(os.getenv("WORKERS") or "0"),
      summary.requests, secs, summary.requests / secs, ok,
      tonumber(os.getenv("CONNS") or "0"), bad,
      latency:percentile(50) * 1000, latency:percentile(99) * 1000,
      latency:percentile(99.9) * 1000, latency.max * 1000))
end
