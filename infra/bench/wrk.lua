-- wrk script: POST one JSON-RPC body and count only correct answers.
--
-- Configured through the environment (one static script, no generated code):
--   BENCH_BODY          request body
--   BENCH_HEADERS       request headers, one "Name: value" per line
--   BENCH_MARKERS       substrings the response body must all contain, one per line
--   BENCH_CONTENT_TYPE  prefix the response Content-Type must start with
-- An answer is correct when the status is 200, the content type matches and every marker is
-- found; anything else is counted as bad and the first one is kept for the report.
-- done() prints one "BENCH_RESULT {json}" line (and "BENCH_BAD <sample>" if any was bad).

local function lines(text)
  local out = {}
  for line in string.gmatch(text or "", "[^\n]+") do
    out[#out + 1] = line
  end
  return out
end

wrk.method = "POST"
wrk.body = os.getenv("BENCH_BODY")
for _, line in ipairs(lines(os.getenv("BENCH_HEADERS"))) do
  local name, value = string.match(line, "^([^:]+):%s*(.*)$")
  wrk.headers[name] = value
end

local markers = lines(os.getenv("BENCH_MARKERS"))
local content_type = string.lower(os.getenv("BENCH_CONTENT_TYPE") or "")
local threads = {}

function setup(thread)
  threads[#threads + 1] = thread
end

function init(args)
  good = 0
  bad = 0
  first_bad = ""
end

local function correct(status, headers, body)
  if status ~= 200 then
    return false
  end
  local seen_type = ""
  for name, value in pairs(headers) do
    if string.lower(name) == "content-type" then
      seen_type = string.lower(value)
    end
  end
  if string.sub(seen_type, 1, #content_type) ~= content_type then
    return false
  end
  for _, marker in ipairs(markers) do
    if not string.find(body, marker, 1, true) then
      return false
    end
  end
  return true
end

function response(status, headers, body)
  if correct(status, headers, body) then
    good = good + 1
  else
    bad = bad + 1
    if first_bad == "" then
      first_bad = status .. " " .. string.gsub(string.sub(body, 1, 300), "\n", "\\n")
    end
  end
end

function done(summary, latency, requests)
  local total_good, total_bad, sample = 0, 0, ""
  for _, thread in ipairs(threads) do
    total_good = total_good + thread:get("good")
    total_bad = total_bad + thread:get("bad")
    if sample == "" then
      sample = thread:get("first_bad")
    end
  end
  local errors = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"duration_us":%d,"good":%d,"bad":%d,"socket_errors":%d,"timeouts":%d,'
      .. '"p50_us":%d,"p99_us":%d}\n',
    summary.duration, total_good, total_bad,
    errors.connect + errors.read + errors.write, errors.timeout,
    latency:percentile(50.0), latency:percentile(99.0)))
  if sample ~= "" then
    io.write("BENCH_BAD " .. sample .. "\n")
  end
end
