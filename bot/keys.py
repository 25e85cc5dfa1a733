"""Every Redis key the gateway uses, built in one place, each with its lifetime beside it.

Conversation keys carry the pseudonymous id only and expire after the retention
period (``RETENTION_DAYS``); each write refreshes the expiry.
"""
from __future__ import annotations

PREFIX = "chv"


def conv(pid: str) -> str:
    """Hash: state, channel, language, skill, risk (JSON), timestamps. TTL: retention."""
    return f"{PREFIX}:conv:{pid}"


def log(pid: str) -> str:
    """Stream of the conversation's messages, ids ``<seq>-0``; values sealed. TTL: retention."""
    return f"{PREFIX}:conv:{pid}:log"


def log_seq(pid: str) -> str:
    """Counter behind :func:`log` ids, so clients can use an integer cursor. TTL: retention."""
    return f"{PREFIX}:conv:{pid}:seq"


def route(pid: str) -> str:
    """Sealed delivery address (e.g. the Telegram chat id) of a conversation. TTL: retention."""
    return f"{PREFIX}:conv:{pid}:route"


def telegram_ids(pid: str) -> str:
    """List of Telegram message ids in the chat, both sides, for /torles. TTL: 48 h."""
    return f"{PREFIX}:conv:{pid}:tgids"


def telegram_outbox() -> str:
    """Stream of messages waiting to be sent to Telegram (at-least-once). Trimmed, no TTL."""
    return f"{PREFIX}:tg:outbox"


TELEGRAM_OUTBOX_GROUP = "senders"


def erased(pid: str) -> str:
    """Marker set by /torles: the id of the last Telegram outbox entry at the moment of the
    erase; an outbox entry of this conversation at or below it is never sent (a reply parked
    by a failing Bot API, or held by another replica). No data, only the pseudonymous id.
    TTL: 48 h (ERASED_TTL; an outbox entry older than that has long been sent or dropped)."""
    return f"{PREFIX}:erased:{pid}"


ERASED_TTL = 48 * 3600


def telegram_inbox() -> str:
    """Stream of received updates (sealed), stored before the webhook answers 200 and
    processed from here (at-least-once). Trimmed, no TTL."""
    return f"{PREFIX}:tg:inbox"


TELEGRAM_INBOX_GROUP = "workers"


def replica_alive(consumer: str) -> str:
    """A gateway replica's liveness lease under its stream consumer name: no data.
    TTL: ``TELEGRAM_REPLICA_LEASE_SECONDS`` (3 s), renewed every third of it while it runs."""
    return f"{PREFIX}:replica:{consumer}"


def replicas() -> str:
    """Sorted set of the consumer names that hold or held a lease, scored by the last renewal
    (ms): a name missing its lease here is a replica that died. Names pruned, and the set
    expires, REPLICAS_KEEP after the last renewal."""
    return f"{PREFIX}:replicas"


REPLICAS_KEEP = 3600  # seconds; a dead replica's entries were taken over by idle time long before


def telegram_seen(update_id: int) -> str:
    """Marker: this update id was taken into the inbox (a redelivery adds nothing). TTL: 24 h."""
    return f"{PREFIX}:tg:seen:{update_id}"


def telegram_done(update_id: int) -> str:
    """Marker: this update was answered (a replayed inbox entry is not answered twice).
    TTL: 24 h."""
    return f"{PREFIX}:tg:done:{update_id}"


# -- Live handoff to operators (bot.handoff, bot.console) ----------------------------
HANDOFF_SKILLS = ("child", "adult", "professional")


def handoff_queue(skill: str) -> str:
    """Sorted set of waiting conversations of one skill; score = priority rank * 1e10 +
    enqueue time (lowest first). No TTL: members leave when claimed, returned or closed."""
    return f"{PREFIX}:ho:queue:{skill}"


def handoff_ticket(pid: str) -> str:
    """Hash: a conversation's handoff (skill, priority, reason, enqueued, operator, claimed,
    told_pos, told_at, note_seq). TTL: retention."""
    return f"{PREFIX}:conv:{pid}:ho"


def handoff_events() -> str:
    """Stream of handoff events (queue changed, message, claim, presence) that every
    replica's console hub reads; ids only, no text. Trimmed to ~10 000, no TTL."""
    return f"{PREFIX}:ho:events"


def handoff_claims(skill: str) -> str:
    """Sorted set of recent claims of a skill (member ``pid:ts``, score = claim time),
    for the honest wait estimate. Trimmed to the last hour on write, TTL 1 h."""
    return f"{PREFIX}:ho:claims:{skill}"


def handoff_online() -> str:
    """Sorted set of operators with a console open: member name, score = heartbeat expiry.
    Entries past their expiry count as offline and are pruned. No TTL."""
    return f"{PREFIX}:ho:online"


def handoff_owners() -> str:
    """Set of operator names that have held a live chat, removed accounts included, so no
    chat is stranded with an owner nobody lists. No TTL (staff names only)."""
    return f"{PREFIX}:ho:owners"


def operator_chats(name: str) -> str:
    """Set of conversation ids an operator is live with. No TTL (emptied on close/transfer)."""
    return f"{PREFIX}:op:{name}:chats"


def operator_account(name: str) -> str:
    """Hash: argon2 password hash, role, skills, created. No TTL (staff accounts)."""
    return f"{PREFIX}:op:{name}:account"


def operator_accounts() -> str:
    """Set of operator account names. No TTL."""
    return f"{PREFIX}:op:accounts"


def operator_session(token_hash: str) -> str:
    """Hash: a console session (operator, role, csrf), keyed by the SHA-256 of the cookie
    value so a Redis dump holds no usable session. TTL: sliding, CONSOLE_SESSION_HOURS."""
    return f"{PREFIX}:op:session:{token_hash}"


def operator_login_failures(name: str) -> str:
    """Counter of failed log-ins for one account name (lock-out). TTL: 15 min."""
    return f"{PREFIX}:op:loginfail:{name}"


def operator_login_throttle(client: str, name: str) -> str:
    """Hash: failed log-ins of one (client address hash, account name) and until when the
    next try waits (exponential backoff). TTL: 1 day."""
    return f"{PREFIX}:op:loginthrottle:{client}:{name}"


def abuse_counter(limit: str, subject: str) -> str:
    """Counter of one abuse limit (bot.abuse) for a subject: a keyed hash of a client
    address, a pseudonymous id, or ``all`` for the global limit (with ``:alerted``: the
    once-per-window log marker). TTL: the limit's window."""
    return f"{PREFIX}:abuse:{limit}:{subject}"


# -- Anonymous reports (bot.reports) -------------------------------------------------
# ``rid`` is a keyed HMAC of the case code: the code itself never appears in Redis.


def report(rid: str) -> str:
    """A report, sealed with the report key ring. TTL: REPORT_RETENTION_DAYS from creation."""
    return f"{PREFIX}:report:{rid}"


def report_link(rid: str) -> str:
    """Sealed ``{"pid"}``: which conversation to answer. TTL: retention; deleted at close
    and on /torles."""
    return f"{PREFIX}:report:{rid}:link"


def reports_index() -> str:
    """Sorted set of report ids by creation time. TTL: report retention, refreshed on each
    report; entries older than the retention are pruned when listed."""
    return f"{PREFIX}:reports"


def reports_audit() -> str:
    """Stream of who opened, changed or exported which report (rid, operator, action).
    Capped at 100k entries; TTL: report retention, refreshed on each entry."""
    return f"{PREFIX}:reports:audit"


def conv_reports(pid: str) -> str:
    """Sealed list of the report ids linked to a conversation, so /torles can unlink them.
    TTL: retention."""
    return f"{PREFIX}:conv:{pid}:reports"


def conv_followup(pid: str) -> str:
    """Sealed ``{"rid"}``: the reporter asked to add information to this case; the next
    message is the addition. TTL: 30 min."""
    return f"{PREFIX}:conv:{pid}:followup"


def conv_code_failures(pid: str) -> str:
    """Counter of wrong case codes typed in a conversation (guessing brake). TTL: 1 h."""
    return f"{PREFIX}:conv:{pid}:codefail"


# Rasa's RedisTrackerStore and RedisLockStore keys (endpoints.redis.yml ``key_prefix: rasa``):
# ``<prefix>:tracker:<sender_id>`` and ``<prefix>lock:lock:<sender_id>``; the sender id
# is our pid. TTL: the tracker's record_exp (TRACKER_EXPIRY_SECONDS = retention).
RASA_KEY_PREFIX = "rasa"
RASA_LOCK_KEY_PREFIX = "rasalock"


def rasa_tracker(pid: str) -> str:
    return f"{RASA_KEY_PREFIX}:tracker:{pid}"


def rasa_lock(pid: str) -> str:
    return f"{RASA_LOCK_KEY_PREFIX}:lock:{pid}"


def conversation_keys(pid: str) -> list[str]:
    """All keys that hold one conversation's data, for erasure."""
    return [conv(pid), log(pid), log_seq(pid), route(pid), telegram_ids(pid), blocked(pid), handoff_ticket(pid),
            conv_reports(pid), conv_followup(pid), conv_code_failures(pid), rasa_tracker(pid), rasa_lock(pid),
            rate(pid), deferred(pid), conv_verdicts(pid), conv_seen(pid), reopenable(pid)]


def conv_seen(pid: str) -> str:
    """Hash: message id the page sent -> its transcript seq, so a request a load balancer
    replays (its gateway died with it) is not recorded twice. TTL: retention."""
    return f"{PREFIX}:conv:{pid}:seen"


def conv_verdicts(pid: str) -> str:
    """Hash: operators' verdicts on the screen (bot.safety.verdicts), field = transcript seq,
    value = JSON with the plain evidence and the sealed text. TTL: retention."""
    return f"{PREFIX}:conv:{pid}:verdicts"


def verdicts_index() -> str:
    """Sorted set of conversations with verdicts (score = last verdict time), for the export;
    members whose hash is gone are pruned there. TTL: retention, refreshed on each verdict."""
    return f"{PREFIX}:verdicts"


def rate(pid: str) -> str:
    """Counter of a conversation's messages in the current flood window. TTL: the window."""
    return f"{PREFIX}:conv:{pid}:rate"


def deferred(pid: str) -> str:
    """List of sealed messages a flood deferred, answered in order when the window has
    room. TTL: retention."""
    return f"{PREFIX}:conv:{pid}:deferred"


def deferred_due() -> str:
    """Sorted set of conversations with deferred messages, score = when to answer them.
    No TTL: members leave when drained."""
    return f"{PREFIX}:deferred"


def reopenable(pid: str) -> str:
    """Hash: who closed the conversation and its ticket (skill, rank, times), so that operator
    can reopen a close made by mistake. TTL: ``REOPEN_MINUTES``; deleted when it is reopened
    or someone claims it from the queue."""
    return f"{PREFIX}:conv:{pid}:reopen"


def blocked(pid: str) -> str:
    """Set by a supervisor for an abusive conversation: the bot and queue ignore it
    (immediate danger excepted). TTL: the block's length (24 h)."""
    return f"{PREFIX}:conv:{pid}:blocked"


def audit_blocks() -> str:
    """Stream: who blocked which conversation (pseudonymous id), when, why. Entries older
    than AUDIT_RETENTION_DAYS are trimmed on each write; TTL: the same (refreshed)."""
    return f"{PREFIX}:audit:blocks"


def bulk_block(token: str) -> str:
    """Hash: a supervisor's previewed bulk block (who, the filter, the pseudonymous ids
    selected), confirmed by its token. TTL: ``bot.handoff.bulk_block.PREVIEW_TTL`` (10 min)."""
    return f"{PREFIX}:bulkblock:{token}"


def audit_verdicts() -> str:
    """Stream: which operator gave which verdict (pseudonymous id, seq, screen and operator
    level); never any text. Trimmed and expiring like ``audit_blocks``."""
    return f"{PREFIX}:audit:verdicts"


def audit_reads() -> str:
    """Stream: which operator opened which conversation's transcript (pseudonymous id),
    when; never any text. Trimmed and expiring like ``audit_blocks``."""
    return f"{PREFIX}:audit:reads"


def operator_reads(name: str, window: int) -> str:
    """Set of conversations an operator opened in one 10-minute window (the read limit).
    TTL: the window."""
    return f"{PREFIX}:opreads:{name}:{window}"


# -- the mail outbox (bot.mail_outbox) -------------------------------------------------
def mail_item(mid: str) -> str:
    """Hash: one mail waiting to be sent: kind, ref (report id or pid), pid (reply mails),
    body (sealed: sender, recipients, the message), created, attempts, state, error.
    TTL: the report retention (report mails) or the conversation retention (replies)."""
    return f"{PREFIX}:mail:item:{mid}"


def mail_due() -> str:
    """Sorted set: mail id -> when it is next due (a send in progress pushes it by a lease).
    No TTL: members leave when sent, given up or dropped."""
    return f"{PREFIX}:mail:due"


def mail_conv(pid: str) -> str:
    """Set of a conversation's waiting reply mails, so /torles can drop them. TTL: retention."""
    return f"{PREFIX}:conv:{pid}:mails"


def mail_order(pid: str) -> str:
    """List of a conversation's waiting reply mails in the order they were written: only its
    head may be sent, so a mail retrying never arrives after a later one. TTL: retention."""
    return f"{PREFIX}:conv:{pid}:mail-order"
