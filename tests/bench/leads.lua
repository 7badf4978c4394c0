-- wrk script for make bench: every request is a Kommo status webhook for a lead of its
-- own. BENCH_BODY is the body with @LEAD@ where the lead id goes; BENCH_FIRST_LEAD the
-- first id; BENCH_GAP_MS a pause before each request (0: none). At the end it prints
-- one line: requests, p50, p90, p99, max (ms), req/s, non-2xx answers, socket errors.

local threads = {}

function setup(thread)
	thread:set("id", #threads)
	table.insert(threads, thread)
end

function init(args)
	body = os.getenv("BENCH_BODY")
	gap = tonumber(os.getenv("BENCH_GAP_MS") or "0")
	lead = tonumber(os.getenv("BENCH_FIRST_LEAD") or "500000") + id * 10000000
	headers = { ["Content-Type"] = "application/x-www-form-urlencoded" }
end

function request()
	lead = lead + 1
	return wrk.format("POST", nil, headers, (body:gsub("@LEAD@", tostring(lead))))
end

if (tonumber(os.getenv("BENCH_GAP_MS") or "0") or 0) > 0 then
	function delay()
		return gap
	end
end

function done(summary, latency, requests)
	local e = summary.errors
	io.write(string.format("result %d %.3f %.3f %.3f %.3f %.1f %d %d\n",
		summary.requests, latency:percentile(50) / 1000, latency:percentile(90) / 1000,
		latency:percentile(99) / 1000, latency.max / 1000,
		summary.requests / (summary.duration / 1e6), e.status,
		e.connect + e.read + e.write + e.timeout))
end
