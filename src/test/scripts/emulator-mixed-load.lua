-- wrk script for the emulator benchmark: DescribeContinuousBackups and UpdateContinuousBackups
-- spread over TABLES tables, UPDATE_PERCENT of them updates. Set by emulator-benchmark.sh.
local tables = tonumber(os.getenv("TABLES") or "64")
local update_percent = tonumber(os.getenv("UPDATE_PERCENT") or "20")
local authorization = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261125/us-east-1/dynamodb/"
  .. "aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=0"

local thread_id = 0
function setup(thread)
  thread:set("id", thread_id)
  thread_id = thread_id + 1
end

function init(args)
  math.randomseed(os.time() * 100 + id)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/x-amz-json-1.0"
  wrk.headers["Authorization"] = authorization
end

function request()
  local table_name = "bench-" .. math.random(0, tables - 1)
  if math.random(1, 100) <= update_percent then
    wrk.headers["X-Amz-Target"] = "DynamoDB_20120810.UpdateContinuousBackups"
    return wrk.format(nil, "/", nil, '{"TableName":"' .. table_name
      .. '","PointInTimeRecoverySpecification":{"PointInTimeRecoveryEnabled":true,'
      .. '"RecoveryPeriodInDays":' .. math.random(1, 35) .. '}}')
  end
  wrk.headers["X-Amz-Target"] = "DynamoDB_20120810.DescribeContinuousBackups"
  return wrk.format(nil, "/", nil, '{"TableName":"' .. table_name .. '"}')
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout
  io.write(string.format("requests: %d in %.1f s, non-2xx: %d, socket errors: %d\n",
    summary.requests, seconds, summary.errors.status, errors))
  io.write(string.format("throughput: %.0f requests/s\n", summary.requests / seconds))
  io.write(string.format("latency: p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
