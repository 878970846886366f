"""The ``shouwang`` command line (CONTRACT.md "Command line")."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="shouwang", description="Shouwang community patrol")
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser("up", help="run everything in one process (embedded mode)")
    up.add_argument("--port", type=int, default=8080, help="HTTP port (default 8080)")
    up.add_argument(
        "--data",
        type=Path,
        default=Path(".shouwang"),
        help="where the embedded store keeps its files (default ./.shouwang)",
    )
    up.add_argument("--no-demo", action="store_true", help="start no simulated members")
    commands.add_parser("config-docs", help="print docs/configuration.md")
    args = parser.parse_args(argv)

    if args.command == "up":
        if not 0 <= args.port <= 65535:
            parser.error("--port must be between 0 and 65535")
        from shouwang import allinone

        return allinone.up(port=args.port, data_dir=args.data.resolve(), demo=not args.no_demo)
    from shouwang.configdocs import render

    sys.stdout.write(render())
    return 0


if __name__ == "__main__":
    sys.exit(main())
