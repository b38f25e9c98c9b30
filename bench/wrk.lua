-- wrk's script for bench/wrk.py: `wrk --script wrk.lua URL -- REQUESTS THREADS`.
--
-- REQUESTS is the file of prepared requests bench/wrk.py writes: each one as its length in bytes,
-- a newline, and the request exactly as it goes on the wire. Each thread cycles through them from
-- its own offset, counts the responses with a 2xx by second since the load began and the others as
-- failures; done() prints what was counted as one line of JSON, the last line wrk writes.

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clock, bench_timespec *now);
]]
local CLOCK_MONOTONIC = 1
local clock = ffi.new("bench_timespec")

-- Seconds on a clock every thread shares; os.time() counts whole seconds only.
local function now()
   ffi.C.clock_gettime(CLOCK_MONOTONIC, clock)
   return tonumber(clock.tv_sec) + tonumber(clock.tv_nsec) / 1e9
end

local function read_requests(path)
   local file = assert(io.open(path, "rb"))
   local data = file:read("*a")
   file:close()
   local prepared, at = {}, 1
   while at <= #data do
      local newline = assert(data:find("\n", at, true), "a length without its request")
      local length = assert(tonumber(data:sub(at, newline - 1)), "a request without its length")
      prepared[#prepared + 1] = data:sub(newline + 1, newline + length)
      at = newline + 1 + length
   end
   assert(#prepared > 0, "no request to send")
   return prepared
end

-- In wrk's main state: the threads, each told its number and when the load began.

local threads, began = {}, nil

function setup(thread)
   began = began or now()
   thread:set("number", #threads)
   thread:set("started", began)
   threads[#threads + 1] = thread
end

-- In each thread's state; globals, for done() to read with thread:get. args[0] is the URL.

answered = {}
failures = 0

function init(args)
   prepared = read_requests(args[1])
   cursor = math.floor(number * #prepared / tonumber(args[2])) % #prepared + 1
end

function request()
   local chosen = prepared[cursor]
   cursor = cursor % #prepared + 1
   return chosen
end

function response(status)
   if status >= 200 and status < 300 then
      local second = math.floor(now() - started) + 1
      answered[second] = (answered[second] or 0) + 1
   else
      failures = failures + 1
   end
end

-- Back in the main state once every thread has stopped.

function done(summary, latency)
   local by_second, last = {}, 0
   local failed = summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout
   for _, thread in ipairs(threads) do
      for second, count in pairs(thread:get("answered")) do
         by_second[second] = (by_second[second] or 0) + count
         last = math.max(last, second)
      end
      failed = failed + thread:get("failures")
   end
   local per_second = {}
   for second = 1, last do
      per_second[second] = string.format("%d", by_second[second] or 0)
   end
   local latency_us = {}
   for _, q in ipairs({ 50, 90, 99 }) do -- bench/load.py's PERCENTILES
      latency_us[#latency_us + 1] = string.format('"%d": %d', q, latency:percentile(q))
   end
   io.write(string.format(
      '{"seconds": %.6f, "failures": %d, "per_second": [%s], "latency_us": {%s}}\n',
      summary.duration / 1e6, failed, table.concat(per_second, ", "),
      table.concat(latency_us, ", ")
   ))
end
