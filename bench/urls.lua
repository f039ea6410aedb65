-- wrk script for `make bench`'s realistic workloads (bench/workloads.py). Arguments after `--`:
-- the list file (one request a line: path, a tab, the Cookie header or nothing), the number of
-- wrk threads and where in the list to start (a fraction, so a warm-up does not pre-build what
-- the measured run asks for). Each thread walks the list from its own share of it, so a run
-- asks for as many different pages as it makes requests, up to the length of the list.
-- An answer other than 200 counts as an error: a redirect to the login page is not a page.
local script_dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(script_dir .. "report.lua")
local report = done

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_number", #threads)
end

function init(args)
  lines = {}
  for line in io.lines(args[1]) do
    local path, cookie = line:match("^([^\t]*)\t?(.-)\r?$")
    table.insert(lines, { path = path, cookie = cookie })
  end
  local share = (thread_number - 1) / tonumber(args[2]) + tonumber(args[3] or "0")
  position = math.floor(#lines * (share % 1))
  not_ok = 0
end

function request()
  position = position % #lines + 1
  local line = lines[position]
  local headers = {}
  if line.cookie ~= "" then
    headers["Cookie"] = line.cookie
  end
  return wrk.format("GET", line.path, headers)
end

function response(status, headers, body)
  -- wrk itself counts statuses >= 400; this adds 1xx, 201-399.
  if status ~= 200 and status < 400 then
    not_ok = not_ok + 1
  end
end

function done(summary, latency, requests)
  for _, thread in ipairs(threads) do
    summary.errors.status = summary.errors.status + thread:get("not_ok")
  end
  report(summary, latency, requests)
end
