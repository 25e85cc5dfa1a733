"""Operator accounts from the command line.

    python -m bot.console add-operator NAME [--role supervisor] [--skills child,adult] [--replace]
    python -m bot.console list-operators
    python -m bot.console remove-operator NAME

The password is read from stdin when it is not a terminal (one line), otherwise
prompted twice; never from argv, where other users and the shell history see it.
"""
from __future__ import annotations

import argparse
import asyncio
import getpass
import sys

from redis.asyncio import Redis

from bot import keys
from bot.config import ConfigError, Settings
from bot.console.accounts import ROLES, AccountError, add_operator
from bot.redis_values import as_text, as_text_or


def _password() -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != first:
        raise AccountError("the passwords differ")
    return first


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    redis = Redis.from_url(settings.redis_url)
    try:
        if args.cmd == "add-operator":
            skills = tuple(s.strip() for s in (args.skills or "").split(",") if s.strip())
            op = await add_operator(redis, args.name, _password(), args.role, skills, replace=args.replace)
            print(f"operator {op.name} ({op.role}, skills: {', '.join(op.skills) or 'all'}) saved")
        elif args.cmd == "list-operators":
            for name in sorted(as_text(n) for n in await redis.smembers(keys.operator_accounts())):
                role, skill_list = await redis.hmget(keys.operator_account(name), "role", "skills")
                print(f"{name}\t{as_text_or(role, '?')}\t{as_text_or(skill_list, '') or 'all'}")
        elif args.cmd == "remove-operator":
            await redis.delete(keys.operator_account(args.name))
            await redis.srem(keys.operator_accounts(), args.name)
            await redis.zrem(keys.handoff_online(), args.name)
            print(f"operator {args.name} removed (their sessions end at the next request)")
        return 0
    finally:
        await redis.aclose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.console")
    sub = parser.add_subparsers(dest="cmd", required=True)
    add = sub.add_parser("add-operator", help="create an operator (password from stdin or prompt)")
    add.add_argument("name")
    add.add_argument("--role", choices=ROLES, default="operator")
    add.add_argument("--skills", default="", help=f"comma-separated, of {','.join(keys.HANDOFF_SKILLS)} (default all)")
    add.add_argument("--replace", action="store_true", help="overwrite an existing account (password reset)")
    sub.add_parser("list-operators")
    rm = sub.add_parser("remove-operator")
    rm.add_argument("name")
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
        return asyncio.run(_run(args, settings))
    except (ConfigError, AccountError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
