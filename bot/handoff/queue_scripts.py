"""The Lua scripts that move a conversation through the handoff: the only writers of its
``state`` besides ``ConversationStore.move`` (bot.store).

Five scripts change the conversation's ``state`` field (the gateway's authority on
whether the bot may answer) together with the queue and the ticket, in one step:
two operators clicking "take" at once cannot both win, and a crash cannot leave a
conversation ``queued`` but absent from the queue. Each checks the state it moves from:
``ENQUEUE`` bot/closed -> queued, ``CLAIM`` queued -> live, ``RELEASE`` queued/live ->
bot/closed, ``REQUEUE`` live -> queued, ``REOPEN`` closed/bot/queued -> live (a close
undone). ``REASSIGN`` only reads it. ``bot.handoff.queue``
runs them (``Queue``); its callers set ``conv.state`` in memory after a script succeeds, to
match what the script wrote. Apart from the queue's reads (bot.handoff.queue_rows) so every
write of the state is in one short module.
"""
from __future__ import annotations

# KEYS: conv, ticket, queue:<skill> for each of SKILLS (in order)
# ARGV: pid, rank, now, skill, reason, ttl, band, skills... (names, in KEYS order)
# Returns {status, rank, skill}: status 'fresh' (bot/closed -> queued), 'queued'
# (already waiting; priority raised if asked), 'live' (untouched).
ENQUEUE = """
local state = redis.call('HGET', KEYS[1], 'state') or 'bot'
if state == 'live' then return {'live', -1, ''} end
local rank = tonumber(ARGV[2])
local status = 'queued'
if state ~= 'queued' then
  redis.call('DEL', KEYS[2])
  redis.call('HSET', KEYS[1], 'state', 'queued')
  redis.call('HSET', KEYS[2], 'enqueued', ARGV[3], 'skill', ARGV[4], 'reason', ARGV[5], 'rank', rank)
  status = 'fresh'
else
  local cur = tonumber(redis.call('HGET', KEYS[2], 'rank') or '99')
  if cur < rank then rank = cur end
  redis.call('HSET', KEYS[2], 'rank', rank)
  redis.call('HSETNX', KEYS[2], 'enqueued', ARGV[3])
  redis.call('HSETNX', KEYS[2], 'skill', ARGV[4])
  redis.call('HSETNX', KEYS[2], 'reason', ARGV[5])
end
local skill = redis.call('HGET', KEYS[2], 'skill')
local enq = tonumber(redis.call('HGET', KEYS[2], 'enqueued'))
for i = 8, #ARGV do
  if ARGV[i] == skill then
    redis.call('ZADD', KEYS[i - 5], rank * tonumber(ARGV[7]) + enq, ARGV[1])
  else
    redis.call('ZREM', KEYS[i - 5], ARGV[1])
  end
end
redis.call('EXPIRE', KEYS[1], ARGV[6])
redis.call('EXPIRE', KEYS[2], ARGV[6])
return {status, rank, skill}
"""

# KEYS: conv, ticket, operator_chats(op), owners, queue:<skill>...
# ARGV: pid, operator, now, ttl
# Returns 1 if this caller took the conversation, 0 if it was not waiting (any more).
CLAIM = """
if redis.call('HGET', KEYS[1], 'state') ~= 'queued' then return 0 end
for i = 5, #KEYS do redis.call('ZREM', KEYS[i], ARGV[1]) end
redis.call('HSET', KEYS[1], 'state', 'live')
redis.call('HSET', KEYS[2], 'operator', ARGV[2], 'claimed', ARGV[3])
redis.call('SADD', KEYS[3], ARGV[1])
redis.call('SADD', KEYS[4], ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('EXPIRE', KEYS[2], ARGV[4])
return 1
"""

# KEYS: conv, ticket, operator_chats(current op), queue:<skill>...
# ARGV: pid, new state, expected operator ('' = any), allowed states...
# Returns {1, operator, skill, enqueued, claimed} or {0}.
RELEASE = """
local state = redis.call('HGET', KEYS[1], 'state') or 'bot'
local ok = false
for i = 4, #ARGV do if ARGV[i] == state then ok = true end end
if not ok then return {0} end
local op = redis.call('HGET', KEYS[2], 'operator') or ''
if ARGV[3] ~= '' and op ~= ARGV[3] then return {0} end
local t = redis.call('HMGET', KEYS[2], 'skill', 'enqueued', 'claimed')
for i = 4, #KEYS do redis.call('ZREM', KEYS[i], ARGV[1]) end
redis.call('SREM', KEYS[3], ARGV[1])
redis.call('HSET', KEYS[1], 'state', ARGV[2])
redis.call('DEL', KEYS[2])
return {1, op, t[1] or '', t[2] or '', t[3] or ''}
"""

# KEYS: conv, ticket, operator_chats(from), operator_chats(to), owners
# ARGV: pid, from ('' = whoever has it, checked against KEYS[3]'s owner by the caller), to, now
# Live conversation moves from one operator to another. Returns 1 or 0.
REASSIGN = """
if redis.call('HGET', KEYS[1], 'state') ~= 'live' then return 0 end
local op = redis.call('HGET', KEYS[2], 'operator') or ''
if op ~= ARGV[2] then return 0 end
redis.call('SREM', KEYS[3], ARGV[1])
redis.call('SADD', KEYS[4], ARGV[1])
redis.call('SADD', KEYS[5], ARGV[3])
redis.call('HSET', KEYS[2], 'operator', ARGV[3], 'claimed', ARGV[4])
return 1
"""

# KEYS: conv, ticket, operator_chats(from), queue:<skill>...
# ARGV: pid, from, new skill, band, skills... (names in KEYS order from 4)
# A live conversation goes back to the queue of another skill, keeping its band and
# original enqueue time (it does not lose its place for being transferred).
REQUEUE = """
if redis.call('HGET', KEYS[1], 'state') ~= 'live' then return 0 end
local op = redis.call('HGET', KEYS[2], 'operator') or ''
if ARGV[2] ~= '' and op ~= ARGV[2] then return 0 end
redis.call('SREM', KEYS[3], ARGV[1])
redis.call('HDEL', KEYS[2], 'operator', 'claimed', 'told_pos', 'told_at')
redis.call('HSET', KEYS[2], 'skill', ARGV[3])
local rank = tonumber(redis.call('HGET', KEYS[2], 'rank') or '3')
local enq = tonumber(redis.call('HGET', KEYS[2], 'enqueued'))
for i = 5, #ARGV do
  if ARGV[i] == ARGV[3] then redis.call('ZADD', KEYS[i - 1], rank * tonumber(ARGV[4]) + enq, ARGV[1]) end
end
redis.call('HSET', KEYS[1], 'state', 'queued')
return 1
"""

# KEYS: conv, ticket, reopen, operator_chats(op), owners, queue:<skill>...
# ARGV: pid, operator, now, ttl, any ('1': a supervisor may reopen whoever closed it)
# A close made by mistake, undone by whoever made it while the reopen record lives (claiming
# the chat deletes it): the chat is live with them again. Closed, or back with the bot: its
# ticket as it was at the close. Queued again meanwhile (the person's next message carried
# the conversation's danger) and nobody took it: out of the queue, its ticket as it is now.
# Returns 1, or 0 when there is nothing to reopen (too late, someone else's, live again).
REOPEN = """
if redis.call('EXISTS', KEYS[3]) == 0 then return 0 end
local state = redis.call('HGET', KEYS[1], 'state') or 'bot'
if state ~= 'closed' and state ~= 'bot' and state ~= 'queued' then return 0 end
local closer = redis.call('HGET', KEYS[3], 'operator') or ''
if ARGV[5] ~= '1' and closer ~= ARGV[2] then return 0 end
if state == 'queued' then
  for i = 6, #KEYS do redis.call('ZREM', KEYS[i], ARGV[1]) end
  redis.call('HDEL', KEYS[2], 'told_pos', 'told_at')
  redis.call('HSET', KEYS[2], 'operator', ARGV[2], 'claimed', ARGV[3])
else
  local t = redis.call('HMGET', KEYS[3], 'skill', 'rank', 'enqueued', 'reason')
  redis.call('DEL', KEYS[2])
  redis.call('HSET', KEYS[2], 'operator', ARGV[2], 'claimed', ARGV[3], 'skill', t[1] or 'child',
             'rank', t[2] or '3', 'enqueued', t[3] or ARGV[3], 'reason', t[4] or 'reopened')
end
redis.call('HSET', KEYS[1], 'state', 'live')
redis.call('SADD', KEYS[4], ARGV[1])
redis.call('SADD', KEYS[5], ARGV[2])
redis.call('DEL', KEYS[3])
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('EXPIRE', KEYS[2], ARGV[4])
return 1
"""
