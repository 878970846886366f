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
    keygen = commands.add_parser(
        "keygen", help="write the secret keys cluster mode needs, as an env file (mode 0600)"
    )
    keygen.add_argument(
        "--output",
        type=Path,
        help="file to create (refused if it exists); without it the keys go to standard output",
    )
    args = parser.parse_args(argv)

    if args.command == "keygen":
        return write_keys(args.output)

    if args.command == "up":
        if not 0 <= args.port <= 65535:
            parser.error("--port must be between 0 and 65535")
        import allinone

        return allinone.up(port=args.port, data_dir=args.data.resolve(), demo=not args.no_demo)
    from allinone.configdocs import render

    sys.stdout.write(render())
    return 0


def write_keys(output: Path | None) -> int:
    """Fresh random values for every secret setting (base64 of 32 bytes), ``NAME=value`` lines."""
    import base64
    import dataclasses
    import os
    import secrets

    from services.identity.settings import IdentityKeys

    lines = [
        f"{field.metadata['env']}={base64.b64encode(secrets.token_bytes(32)).decode()}\n"
        for field in dataclasses.fields(IdentityKeys)
        if field.metadata.get("secret")
    ]
    if output is None:
        sys.stdout.writelines(lines)
        return 0
    try:
        descriptor = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        print(f"shouwang keygen: {output} exists; keys are never overwritten", file=sys.stderr)
        return 1
    with os.fdopen(descriptor, "w") as handle:
        handle.writelines(lines)
    print(f"wrote {len(lines)} keys to {output} (mode 0600)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
