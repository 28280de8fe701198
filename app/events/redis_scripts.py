"""The Redis store's Lua scripts. Each runs atomically on the keys of one stream or one request, which
share a hash slot, so they work on Redis Cluster too.
"""

APPEND = """
-- KEYS: events, meta. ARGV: final (1/0: the last event is the final one), max events, TTL, retention,
-- n, then n field/value pairs that open the stream (n = 0 to write to an open one), then each event's
-- data, in order. Returns the entries' ids, nil once the stream has ended, or NOSTREAM when it is
-- unknown or expired.
local fields = tonumber(ARGV[5])
if fields > 0 then
  redis.call('HSET', KEYS[2], unpack(ARGV, 6, 5 + 2 * fields))
elseif redis.call('EXISTS', KEYS[2]) == 0 then
  return redis.error_reply('NOSTREAM')
elseif redis.call('HEXISTS', KEYS[2], 'final') == 1 then
  return false
end
local ids = {}
for i = 6 + 2 * fields, #ARGV do
  local final = (i == #ARGV and ARGV[1] == '1') and '1' or '0'
  ids[#ids + 1] = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 'd', ARGV[i], 'f', final)
end
local ttl = ARGV[3]
if ARGV[1] == '1' and #ids > 0 then
  redis.call('HSET', KEYS[2], 'final', ids[#ids])
  ttl = ARGV[4]
end
if #ids > 0 then redis.call('EXPIRE', KEYS[1], ttl) end
redis.call('EXPIRE', KEYS[2], ttl)
return ids
"""

RESUME_POINT = """
-- KEYS: events, meta. Returns the stream's caller, its final entry id (once ended) and its last
-- entry id (nil before the first event): what a resume checks its position against.
local meta = redis.call('HMGET', KEYS[2], 'caller', 'final')
local newest = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)[1]
return {meta[1], meta[2], newest and newest[1] or false}
"""

DELIVER = """
-- KEYS: pending, reply. ARGV: the answer, its TTL, the caller. 1 when a call of that caller waited.
if redis.call('GET', KEYS[1]) ~= ARGV[3] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('RPUSH', KEYS[2], ARGV[1])
redis.call('EXPIRE', KEYS[2], ARGV[2])
return 1
"""
