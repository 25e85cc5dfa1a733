"""All settings, read from the environment in one place and validated at start-up.

Every other module receives a :class:`Settings`; nothing else reads ``os.environ``.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.paths import ROOT
from bot.proxies import parse_trusted
from bot.reports.directory import Directory, DirectoryError


class ConfigError(RuntimeError):
    """A required setting is missing or malformed: refuse to start, say which."""


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from exc


def _secure_cookies(env: Mapping[str, str]) -> bool:
    """``CONSOLE_SECURE_COOKIES`` if set; otherwise on when ``PUBLIC_URL`` is https (the
    console is then reached over TLS, so a cookie must never travel in clear text)."""
    raw = env.get("CONSOLE_SECURE_COOKIES", "").strip().lower()
    if raw:
        return raw in ("1", "true", "yes")
    return env.get("PUBLIC_URL", "").strip().lower().startswith("https://")


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from exc


@dataclass(frozen=True)
class Settings:
    """Runtime configuration. Field names mirror the environment variables."""

    pseudonym_key: bytes
    data_keys: tuple[str, ...]
    host: str = "127.0.0.1"
    port: int = 8080
    redis_url: str = "redis://127.0.0.1:6379/0"
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_token: str = ""
    action_server_url: str = "http://127.0.0.1:5055"
    rasa_timeout: float = 10.0
    # Several Rasa processes sharing the Redis tracker and lock stores (RASA_URLS); the
    # first is rasa_url. Calls in flight per process, callers waiting for a slot in all,
    # and how long a message waits before the person is told "a moment" (bot.rasa_client).
    rasa_urls: tuple[str, ...] = ()
    rasa_concurrency: int = 4
    rasa_queue: int = 200
    rasa_busy_notice: float = 2.0
    # A message told "a moment" waits in Redis, claimed by one gateway for this long at a
    # time (renewed while it works): if that gateway dies, another replica answers it.
    rasa_wait_claim: float = 15.0
    telegram_token: str = ""
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    telegram_webhook_url: str = ""
    telegram_webhook_secret: str = ""
    telegram_claim_idle: float = 15.0  # a kept update a dead worker held is taken over after this
    telegram_replica_lease: float = 3.0  # a replica's liveness lease: its work moves this soon after a crash
    operator_api_token: str = ""
    console_secure_cookies: bool = False
    console_session_hours: int = 12  # a session's whole life, however busy (then log in again)
    console_idle_minutes: int = 60  # a session unused this long ends
    http_header_timeout: float = 10.0  # bot.serve: a request head must arrive within this
    http_body_timeout: float = 20.0  # ...and its body within this (408)
    http_keepalive_timeout: float = 30.0  # an idle kept-alive connection closes
    audit_retention_days: int = 180  # audit streams (blocks, operator reads): older entries trimmed
    operator_reads_per_10min: int = 60  # distinct conversations one operator may open per 10 minutes
    operator_grace_seconds: int = 45
    reopen_minutes: int = 10  # a chat closed by mistake: its operator may reopen it this long
    retention_days: int = 30
    report_retention_days: int = 365
    # Reports (bot.reports) are sealed under their own Fernet key ring, newest first;
    # empty: reports are refused (the person is offered an operator instead).
    report_keys: tuple[str, ...] = ()
    max_message_chars: int = 4096
    rate_limit_messages: int = 8
    rasa_warmup_conversations: int = 24
    redis_max_connections: int = 400
    rate_limit_window: int = 10
    public_url: str = ""
    # Abuse limits: "" = the peer address is the client; "1" or CIDRs: trust
    # X-Forwarded-For from those proxies. Counts are per ABUSE_WINDOW seconds; 0 = off.
    trusted_proxy: str = ""
    abuse_window: int = 600
    new_chats_per_address: int = 20
    new_chats_global: int = 600
    queue_entries_per_address: int = 5
    queue_entries_global: int = 150
    # Wrong case codes per hour (the per-conversation brake stays at 10).
    code_failures_per_address: int = 20
    code_failures_global: int = 300
    # /metrics: bearer token; empty: only from loopback.
    metrics_token: str = ""
    # Storage bounds: entries kept per transcript stream (approximate trim), and the
    # embedded Redis's maxmemory (scripts/redis.sh; /healthz warns above 80 %).
    transcript_max_entries: int = 2000
    maxmemory: str = "512mb"
    # /torles: at most one AOF rewrite (BGREWRITEAOF) per this many seconds, the first one
    # this long after an erase, so erased data leaves the append-only file (bot.aof).
    erase_rewrite_seconds: int = 60
    # E-mail channel (bot.email_channel): off unless both URLs are set.
    email_imap_url: str = ""
    email_smtp_url: str = ""
    email_user: str = ""
    email_password: str = ""
    email_address: str = ""
    email_poll_seconds: float = 5.0
    email_idle_seconds: float = 300.0
    email_disable_idle: bool = False
    email_max_bytes: int = 1_000_000
    email_timeout: float = 30.0
    # Answer mails per sender (pseudonym) per window; over it mails are taken but answered
    # only when they speak of danger (0 = no limit).
    email_answers_per_sender: int = 20
    email_sender_window: int = 3600
    # Written reports to the authority by e-mail (bot.reports.mail): sent over EMAIL_SMTP_URL
    # from REPORT_MAIL_FROM (off when unset) to addresses of the authority directory only.
    report_mail_from: str = ""
    authority_directory: tuple[Path, ...] = ()
    # The durable mail outbox (bot.mail_outbox): first retry after MAIL_RETRY_SECONDS,
    # doubling up to MAIL_RETRY_MAX_SECONDS, given up after MAIL_MAX_ATTEMPTS tries.
    mail_retry_seconds: float = 30.0
    mail_retry_max_seconds: float = 1800.0
    mail_max_attempts: int = 30
    log_level: str = "INFO"
    # Rasa's default domain path (a link to the topic folder domain/): the one name for it.
    domain_dir: Path = field(default=ROOT / "domain.yml")
    # Messages kept while Redis is down wait here (sealed) until it is back.
    spool_dir: Path = field(default=ROOT / "var" / "spool")

    @property
    def audit_retention_seconds(self) -> int:
        return self.audit_retention_days * 86400

    @property
    def retention_seconds(self) -> int:
        return self.retention_days * 86400

    @property
    def report_retention_seconds(self) -> int:
        return self.report_retention_days * 86400

    @property
    def telegram_enabled(self) -> bool:
        return bool(self.telegram_token)

    @property
    def email_enabled(self) -> bool:
        return bool(self.email_imap_url and self.email_smtp_url)

    @property
    def report_mail_enabled(self) -> bool:
        return bool(self.email_smtp_url and self.report_mail_from)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Build settings from ``env`` (default ``os.environ``); raise ConfigError if unusable."""
        env = os.environ if env is None else env
        key = env.get("PSEUDONYM_KEY", "").strip()
        if len(key) < 32:
            raise ConfigError(
                "PSEUDONYM_KEY is missing or shorter than 32 characters: set a long random "
                "secret (e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`). "
                "`make run` generates one under var/secrets.env."
            )
        data_keys = tuple(k.strip() for k in env.get("DATA_ENCRYPTION_KEYS", "").split(",") if k.strip())
        if not data_keys:
            raise ConfigError(
                "DATA_ENCRYPTION_KEYS is missing: set one or more comma-separated Fernet keys "
                "(newest first; `python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'`). It must differ from PSEUDONYM_KEY."
            )
        if key in data_keys:
            raise ConfigError("DATA_ENCRYPTION_KEYS must not reuse PSEUDONYM_KEY")
        report_keys = tuple(k.strip() for k in env.get("REPORT_ENCRYPTION_KEYS", "").split(",") if k.strip())
        if key in report_keys or set(report_keys) & set(data_keys):
            raise ConfigError("REPORT_ENCRYPTION_KEYS must differ from DATA_ENCRYPTION_KEYS and PSEUDONYM_KEY")
        try:
            from cryptography.fernet import Fernet

            for k in report_keys:
                Fernet(k.encode())
        except ValueError as exc:
            raise ConfigError("REPORT_ENCRYPTION_KEYS must be comma-separated Fernet keys") from exc
        webhook_url = env.get("TELEGRAM_WEBHOOK_URL", "").strip()
        webhook_secret = env.get("TELEGRAM_WEBHOOK_SECRET", "").strip()
        if webhook_url and len(webhook_secret) < 16:
            raise ConfigError("TELEGRAM_WEBHOOK_URL needs TELEGRAM_WEBHOOK_SECRET (16+ characters)")
        trusted_proxy = env.get("TRUSTED_PROXY", "").strip()
        try:
            parse_trusted(trusted_proxy)
        except ValueError as exc:
            raise ConfigError("TRUSTED_PROXY must be empty, 1, or comma-separated CIDRs") from exc
        if _int(env, "ABUSE_WINDOW", 600) < 1:
            raise ConfigError("ABUSE_WINDOW must be at least 1 second")
        email_imap = env.get("EMAIL_IMAP_URL", "").strip()
        email_smtp = env.get("EMAIL_SMTP_URL", "").strip()
        email_user = env.get("EMAIL_USER", "").strip()
        email_address = env.get("EMAIL_ADDRESS", "").strip() or (email_user if "@" in email_user else "")
        report_mail_from = env.get("REPORT_MAIL_FROM", "").strip()
        if email_imap and not email_smtp:
            raise ConfigError("the e-mail channel needs both EMAIL_IMAP_URL and EMAIL_SMTP_URL (or neither)")
        if email_smtp and not (email_imap or report_mail_from):
            raise ConfigError("EMAIL_SMTP_URL is used by the e-mail channel (with EMAIL_IMAP_URL) "
                              "or by report mails (with REPORT_MAIL_FROM): set one of them")
        if email_smtp and not email_smtp.startswith(("smtp://", "smtps://")):
            raise ConfigError("EMAIL_SMTP_URL must be smtp[s]://...")
        if email_imap:
            if not email_imap.startswith(("imap://", "imaps://")):
                raise ConfigError("EMAIL_IMAP_URL must be imap[s]://... and EMAIL_SMTP_URL smtp[s]://...")
            if "@" not in email_address:
                raise ConfigError("EMAIL_ADDRESS (the service's own address) is needed when e-mail is on")
        if report_mail_from and "@" not in report_mail_from:
            raise ConfigError("REPORT_MAIL_FROM must be an e-mail address (the sender of report mails)")
        authority_directory = tuple(Path(p.strip()) for p in env.get("AUTHORITY_DIRECTORY", "").split(",")
                                    if p.strip())
        try:
            Directory.load(authority_directory)
        except DirectoryError as exc:
            raise ConfigError(str(exc)) from exc
        rasa_urls = tuple(u.strip().rstrip("/") for u in env.get("RASA_URLS", "").split(",") if u.strip()) or (
            (env.get("RASA_URL", "").strip() or "http://127.0.0.1:5005").rstrip("/"),)
        return cls(
            pseudonym_key=key.encode(),
            data_keys=data_keys,
            host=env.get("HOST", "127.0.0.1").strip() or "127.0.0.1",
            port=_int(env, "PORT", 8080),
            redis_url=env.get("REDIS_URL", "").strip() or "redis://127.0.0.1:6379/0",
            rasa_url=rasa_urls[0],
            rasa_urls=rasa_urls,
            rasa_concurrency=_int(env, "RASA_CONCURRENCY", 4),
            rasa_queue=_int(env, "RASA_QUEUE", 200),
            rasa_busy_notice=_float(env, "RASA_BUSY_NOTICE", 2.0),
            rasa_wait_claim=max(1.0, _float(env, "RASA_WAIT_CLAIM_SECONDS", 15.0)),
            rasa_token=env.get("RASA_TOKEN", "").strip(),
            action_server_url=(env.get("ACTION_SERVER_URL", "").strip() or "http://127.0.0.1:5055").rstrip("/"),
            rasa_timeout=_float(env, "RASA_TIMEOUT", 10.0),
            telegram_token=env.get("TELEGRAM_BOT_TOKEN", "").strip(),
            telegram_api_base_url=env.get("TELEGRAM_API_BASE_URL", "").strip() or "https://api.telegram.org/bot",
            telegram_webhook_url=webhook_url,
            telegram_webhook_secret=webhook_secret,
            telegram_claim_idle=max(1.0, _float(env, "TELEGRAM_CLAIM_IDLE_SECONDS", 15.0)),
            telegram_replica_lease=max(1.0, _float(env, "TELEGRAM_REPLICA_LEASE_SECONDS", 3.0)),
            operator_api_token=env.get("OPERATOR_API_TOKEN", "").strip(),
            console_secure_cookies=_secure_cookies(env),
            console_session_hours=_int(env, "CONSOLE_SESSION_HOURS", 12),
            console_idle_minutes=_int(env, "CONSOLE_IDLE_MINUTES", 60),
            http_header_timeout=_float(env, "HTTP_HEADER_TIMEOUT", 10.0),
            http_body_timeout=_float(env, "HTTP_BODY_TIMEOUT", 20.0),
            http_keepalive_timeout=_float(env, "HTTP_KEEPALIVE_TIMEOUT", 30.0),
            audit_retention_days=_int(env, "AUDIT_RETENTION_DAYS", 180),
            operator_reads_per_10min=_int(env, "OPERATOR_READS_PER_10MIN", 60),
            operator_grace_seconds=_int(env, "OPERATOR_GRACE_SECONDS", 45),
            reopen_minutes=_int(env, "REOPEN_MINUTES", 10),
            retention_days=_int(env, "RETENTION_DAYS", 30),
            report_retention_days=_int(env, "REPORT_RETENTION_DAYS", 365),
            report_keys=report_keys,
            max_message_chars=_int(env, "MAX_MESSAGE_CHARS", 4096),
            rate_limit_messages=_int(env, "RATE_LIMIT_MESSAGES", 8),
            rasa_warmup_conversations=_int(env, "RASA_WARMUP_CONVERSATIONS", 24),
            redis_max_connections=_int(env, "REDIS_MAX_CONNECTIONS", 400),
            rate_limit_window=_int(env, "RATE_LIMIT_WINDOW", 10),
            public_url=env.get("PUBLIC_URL", "").strip().rstrip("/"),
            trusted_proxy=trusted_proxy,
            abuse_window=_int(env, "ABUSE_WINDOW", 600),
            new_chats_per_address=_int(env, "NEW_CHATS_PER_ADDRESS", 20),
            new_chats_global=_int(env, "NEW_CHATS_GLOBAL", 600),
            queue_entries_per_address=_int(env, "QUEUE_ENTRIES_PER_ADDRESS", 5),
            queue_entries_global=_int(env, "QUEUE_ENTRIES_GLOBAL", 150),
            code_failures_per_address=_int(env, "CODE_FAILURES_PER_ADDRESS", 20),
            code_failures_global=_int(env, "CODE_FAILURES_GLOBAL", 300),
            metrics_token=env.get("METRICS_TOKEN", "").strip(),
            transcript_max_entries=_int(env, "TRANSCRIPT_MAX_ENTRIES", 2000),
            maxmemory=env.get("MAXMEMORY", "").strip() or "512mb",
            erase_rewrite_seconds=max(1, _int(env, "ERASE_REWRITE_SECONDS", 60)),
            email_imap_url=email_imap,
            email_smtp_url=email_smtp,
            email_user=email_user,
            email_password=env.get("EMAIL_PASSWORD", ""),
            email_address=email_address,
            email_poll_seconds=max(0.2, _float(env, "EMAIL_POLL_SECONDS", 5.0)),
            email_idle_seconds=max(1.0, min(_float(env, "EMAIL_IDLE_SECONDS", 300.0), 1740.0)),
            email_disable_idle=env.get("EMAIL_DISABLE_IDLE", "").strip().lower() in ("1", "true", "yes"),
            email_max_bytes=_int(env, "EMAIL_MAX_BYTES", 1_000_000),
            email_timeout=_float(env, "EMAIL_TIMEOUT", 30.0),
            email_answers_per_sender=max(0, _int(env, "EMAIL_ANSWERS_PER_SENDER", 20)),
            email_sender_window=max(1, _int(env, "EMAIL_SENDER_WINDOW", 3600)),
            report_mail_from=report_mail_from,
            authority_directory=authority_directory,
            mail_retry_seconds=max(0.05, _float(env, "MAIL_RETRY_SECONDS", 30.0)),
            mail_retry_max_seconds=max(0.05, _float(env, "MAIL_RETRY_MAX_SECONDS", 1800.0)),
            mail_max_attempts=max(1, _int(env, "MAIL_MAX_ATTEMPTS", 30)),
            log_level=env.get("LOG_LEVEL", "INFO").strip().upper() or "INFO",
            spool_dir=Path(env.get("SPOOL_DIR", "").strip() or ROOT / "var" / "spool"),
        )
