"""Command line: `python -m knowledge validate` and `python -m knowledge import-offices FILE.csv`."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import KnowledgeError, import_offices, load, validate


def main(argv: list[str] | None = None) -> int:
    """Exit 0 when the data is valid / the import succeeded, 1 otherwise."""
    parser = argparse.ArgumentParser(prog="python -m knowledge")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("validate", help="check services, routing, offices and the numbers in every text (wording/)")
    imp = sub.add_parser("import-offices", help="merge a CSV of local offices into the directory")
    imp.add_argument("csv", type=Path)
    imp.add_argument("--out", type=Path, default=None,
                     help="office directory file (default: $KNOWLEDGE_OFFICES_FILE or knowledge/offices.yml)")
    args = parser.parse_args(argv)

    if args.command == "validate":
        knowledge = load()
        errors = validate(knowledge)
        for line in errors:
            print(line, file=sys.stderr)
        print(f"{len(knowledge.services)} services, {len(knowledge.routing)} problems, "
              f"{len(knowledge.offices)} offices: {'OK' if not errors else f'{len(errors)} errors'}")
        return 1 if errors else 0
    try:
        count = import_offices(args.csv, args.out)
    except KnowledgeError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"imported {count} office rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
