-- stdlib.lua: Lua's standard libraries on Lull (tests/apps/lua_checks.sh).
-- Usage: lua stdlib.lua DIR [HOST_TIME]: DIR is a writable folder (a disk);
-- HOST_TIME, the host's clock in seconds, if given, must be within a minute
-- of os.time(). Every check compares with an expected value; the first that
-- differs raises an error (non-zero exit). The last line printed is
-- "lua stdlib: N checks passed".

local dir = assert(arg[1], "usage: stdlib.lua DIR [HOST_TIME]")
local host_time = tonumber(arg[2])
local checks = 0

local function eq(got, want, what)
	checks = checks + 1
	if got ~= want then
		error(("%s: got %q, want %q"):format(what, tostring(got), tostring(want)), 2)
	end
end

-- string: format, gsub, patterns
eq(("%5.2f|%-4d|%x|%s|%q"):format(3.14159, 42, 255, "hi", 'a"b'), ' 3.14|42  |ff|hi|"a\\"b"', "string.format")
eq(string.format("%g %e", 1e20, 12345.678), "1e+20 1.234568e+04", "string.format %g %e")
local s, n = ("hello world"):gsub("o", "0")
eq(s, "hell0 w0rld", "gsub result")
eq(n, 2, "gsub count")
eq(("key=val, a=b"):gsub("(%w+)=(%w+)", "%2=%1"), "val=key, b=a", "gsub captures")
eq(("abc"):gsub("%w", function(c) return c:upper() .. "." end), "A.B.C.", "gsub function")
eq(("$x and $y"):gsub("%$(%w+)", { x = "1", y = "2" }), "1 and 2", "gsub table")
local y, m, d = string.match("date: 2024-01-15", "(%d+)-(%d+)-(%d+)")
eq(y .. "/" .. m .. "/" .. d, "2024/01/15", "string.match captures")
eq(string.find("a.b.c", ".", 1, true), 2, "string.find plain")
eq(select(2, string.find("  indent", "^%s*")), 2, "string.find anchored")
local words = {}
for w in ("the quick  brown fox"):gmatch("%a+") do words[#words + 1] = w end
eq(#words, 4, "gmatch count")
eq(words[3], "brown", "gmatch third word")
eq(("%bxy"):len(), 4, "string.len")
eq(("f(a(b)c)d"):match("%b()"), "(a(b)c)", "balanced match")
eq(("THE (quick) fox"):find("%f[%a]%a+%f[%A]", 5), 6, "frontier pattern")
eq(("ab"):rep(3, "-"), "ab-ab-ab", "string.rep")
eq(("Lull"):sub(-3), "ull", "string.sub negative")
eq(string.char(76, 117):byte(2), 117, "char/byte")
eq(string.unpack("<i4", string.pack("<i4", -2)), -2, "pack/unpack")
eq(utf8.len("h\u{e9}llo"), 5, "utf8.len")

-- table: sort, concat, insert, remove, unpack
local t = { 5, 2, 9, 1, 7 }
table.sort(t)
eq(table.concat(t, ","), "1,2,5,7,9", "table.sort")
table.sort(t, function(a, b) return a > b end)
eq(table.concat(t, " "), "9 7 5 2 1", "table.sort comparator")
local people = { { n = "ann", a = 31 }, { n = "bob", a = 25 }, { n = "cy", a = 40 } }
table.sort(people, function(a, b) return a.a < b.a end)
eq(people[1].n .. people[3].n, "bobcy", "table.sort records")
table.insert(t, 1, 0)
table.insert(t, 10)
eq(table.concat(t, ",", 1, 3), "0,9,7", "table.insert front")
eq(table.remove(t), 10, "table.remove last")
eq(#t, 6, "length after remove")
eq(select("#", table.unpack({ 1, 2, 3 })), 3, "table.unpack")
eq(table.concat(table.move({ 1, 2, 3 }, 1, 3, 2, { 0 }), ""), "0123", "table.move")

-- math
eq(math.floor(3.7), 3, "math.floor")
eq(math.type(7 // 2), "integer", "integer division type")
eq(7 // 2, 3, "integer division")
eq(7 % -3, -2, "modulo sign")
eq(2 ^ 10, 1024.0, "power")
eq(math.sqrt(16), 4.0, "math.sqrt")
eq(string.format("%.4f", math.sin(math.pi / 6)), "0.5000", "math.sin")
eq(math.max(3, 9, -1), 9, "math.max")
eq(math.tointeger(5.0), 5, "math.tointeger")
eq(math.maxinteger + 1, math.mininteger, "integer wrap-around")
eq(math.huge > 1e308, true, "math.huge")
math.randomseed(42)
local r = math.random(1, 6)
eq(r >= 1 and r <= 6 and math.type(r) == "integer", true, "math.random range")

-- os: time, date, clock
eq(os.time({ year = 2000, month = 1, day = 1, hour = 0, min = 0, sec = 0 }), 946684800, "os.time of a date (UTC)")
eq(os.date("!%Y-%m-%d %H:%M:%S", 946684800), "2000-01-01 00:00:00", "os.date format")
eq(os.date("!*t", 86400 * 365).year, 1971, "os.date *t")
local now = os.time()
if host_time then
	eq(math.abs(now - host_time) < 60, true, "os.time within a minute of the host's " .. host_time .. " (" .. now .. ")")
end
local c0 = os.clock()
local x = 0
for i = 1, 2000000 do x = x + i % 7 end
local c1 = os.clock()
eq(c1 > c0 and c1 - c0 < 60, true, "os.clock advances (" .. c0 .. " -> " .. c1 .. ")")
eq(os.difftime(now + 5, now), 5.0, "os.difftime")

-- io: a file written on the disk, read back
local path = dir .. "/lua-io.txt"
local f = assert(io.open(path, "w"))
f:write("first line\n", 42, " ", 3.5, "\n", "third\n")
eq(f:close(), true, "close after write")
f = assert(io.open(path, "a"))
f:write("appended\n")
f:close()
f = assert(io.open(path, "r"))
eq(f:read("l"), "first line", "read a line")
eq(f:read("n"), 42, "read an integer")
eq(f:read("n"), 3.5, "read a float")
eq(f:read("a"), "\nthird\nappended\n", "read the rest")
eq(f:seek("end"), 33, "file size by seek")
f:close()
local lines = {}
for line in io.lines(path) do lines[#lines + 1] = line end
eq(#lines, 4, "io.lines count")
eq(lines[4], "appended", "io.lines last")
eq(os.rename(path, dir .. "/lua-io2.txt"), true, "os.rename")
eq(io.open(path, "r"), nil, "renamed file gone")
local gone, err = io.open(dir .. "/no-such-file.txt")
eq(gone == nil and err:find("No such file", 1, true) ~= nil, true, "missing file error: " .. tostring(err))
-- the host reads this one back (lua_checks.sh)
f = assert(io.open(dir .. "/from-lua.txt", "w"))
f:write(("%d squares: %s\n"):format(5, table.concat({ 1, 4, 9, 16, 25 }, " ")))
f:close()
eq(os.remove(dir .. "/lua-io2.txt"), true, "os.remove")
eq(io.write("io.write to stdout\n"), io.stdout, "io.write returns io.stdout")

-- coroutines
local gen = coroutine.wrap(function()
	for i = 1, 5 do coroutine.yield(i) end
end)
local sum = 0
for _ = 1, 5 do sum = sum + gen() end
eq(sum, 15, "coroutine.wrap generator")
local co = coroutine.create(function(a, b)
	local c = coroutine.yield(a + b)
	return c * 2
end)
local ok, v = coroutine.resume(co, 2, 3)
eq(ok and v, 5, "resume: first yield")
eq(coroutine.status(co), "suspended", "status suspended")
ok, v = coroutine.resume(co, 10)
eq(ok and v, 20, "resume: return value")
eq(coroutine.status(co), "dead", "status dead")
ok, v = coroutine.resume(co)
eq(not ok and v, "cannot resume dead coroutine", "resume dead")

-- pcall, error, xpcall
ok, v = pcall(error, { code = 42 })
eq(not ok and v.code, 42, "error with a table")
ok, v = pcall(function() error("boom") end)
eq(not ok and v:match("boom$") ~= nil, true, "error message: " .. tostring(v))
ok, v = pcall(function() return nil + 1 end)
eq(not ok and v:find("arithmetic on a nil value", 1, true) ~= nil, true, "runtime error caught: " .. tostring(v))
ok, v = xpcall(function() error("deep") end, function(m) return "handled: " .. m end)
eq(not ok and v:match("^handled: .*deep$") ~= nil, true, "xpcall handler")
eq(select("#", pcall(function() return 1, 2 end)), 3, "pcall results")

print(("lua stdlib: %d checks passed"):format(checks))
