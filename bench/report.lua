-- wrk reporter for `make bench`: one machine-readable line with throughput, latency
-- percentiles (microseconds) and every kind of error, including HTTP statuses >= 400.
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'wrk-result {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, ' ..
    '"p99_us": %d, "errors": %d, "timeouts": %d, "status_errors": %d}\n',
    summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    e.connect + e.read + e.write + e.status + e.timeout, e.timeout, e.status))
end
