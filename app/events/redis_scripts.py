"""The Redis store's Lua scripts. Each runs atomically on the keys of one stream or one request, which
share a hash slot, so they work on Redis Cluster too.
"""

APPEND = """
-- KEYS: events, meta. ARGV: data, final (1/0), max events, TTL, retention. Returns the entry id,
-- nil once the stream has ended, or NOSTREAM when it is unknown or expired.
if redis.call('EXISTS', KEYS[2]) == 0 then return redis.error_reply('NOSTREAM') end
if redis.call('HEXISTS', KEYS[2], 'final') == 1 then return false end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], '*', 'd', ARGV[1], 'f', ARGV[2])
local ttl = ARGV[4]
if ARGV[2] == '1' then
  redis.call('HSET', KEYS[2], 'final', id)
  ttl = ARGV[5]
end
redis.call('EXPIRE', KEYS[1], ttl)
redis.call('EXPIRE', KEYS[2], ttl)
return id
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
