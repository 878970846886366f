"""The ``shouwang`` command line (CONTRACT.md "Command line")."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="shouwang", description="Shouwang community patrol")
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser("up", help="run everything on this machine (embedded mode)")
    up.add_argument("--port", type=int, default=8080, help="HTTP port (default 8080)")
    up.add_argument(
        "--data",
        type=Path,
        default=Path(".shouwang"),
        help="where the embedded store keeps its files (default ./.shouwang)",
    )
    up.add_argument("--no-demo", action="store_true", help="start no simulated members")
    simulation = commands.add_parser(
        "simulate",
        help="drive a simulated patrol night through a running server's HTTP API",
        description="Members register, go on duty, patrol the streets, take offers, report "
        "tips; an officer (demo-officer) dispatches and reviews. The server's administrator "
        "(SHOUWANG_ADMIN_PHONE and SHOUWANG_ADMIN_PASSWORD, as given to the server) sets up "
        "the stations, teams and grids and verifies the members.",
    )
    simulation.add_argument(
        "--url",
        default="http://127.0.0.1:8080/",
        help="the server (default http://127.0.0.1:8080/)",
    )
    simulation.add_argument("--members", type=int, default=300, help="how many (default 300)")
    simulation.add_argument("--seed", type=int, default=1, help="the same seed, the same night")
    simulation.add_argument(
        "--speed", type=float, default=1.0, help="simulated seconds per second (default 1.0)"
    )
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

    if args.command == "simulate":
        if args.members < 1 or not args.speed > 0:
            parser.error("--members must be at least 1 and --speed positive")
        return simulate(url=args.url, members=args.members, seed=args.seed, speed=args.speed)

    if args.command == "up":
        if not 0 <= args.port <= 65535:
            parser.error("--port must be between 0 and 65535")
        from shouwang.runtime import limit_malloc_arenas

        limit_malloc_arenas()  # before the imports below start any thread (grpc's among them)
        import allinone

        return allinone.up(port=args.port, data_dir=args.data.resolve(), demo=not args.no_demo)
    from allinone.configdocs import render

    sys.stdout.write(render())
    return 0


def simulate(*, url: str, members: int, seed: int, speed: float) -> int:
    """Run the simulation until SIGINT or SIGTERM; the members go off duty before it ends."""
    import os

    from shouwang.logging import configure_logging
    from shouwang.runtime import ShutdownSignal
    from simulator import SetupFailed, Simulation, SimulationSettings

    shutdown = ShutdownSignal()

    phone = os.environ.get("SHOUWANG_ADMIN_PHONE", "")
    password = os.environ.get("SHOUWANG_ADMIN_PASSWORD", "")
    if not (phone and password):
        print(
            "shouwang simulate: set SHOUWANG_ADMIN_PHONE and SHOUWANG_ADMIN_PASSWORD to the "
            "server's administrator",
            file=sys.stderr,
        )
        return 2
    configure_logging("simulator", os.environ.get("LOG_LEVEL", "WARNING"))
    settings = SimulationSettings(
        url=url,
        admin_phone=phone,
        admin_password=password,
        members=members,
        seed=seed,
        speed=speed,
    )
    simulation = Simulation(settings)
    print(f"Officer {simulation.officer_login}", flush=True)
    simulation.start()
    while not shutdown.wait_a_while():  # until a signal, or a setup that failed
        if simulation.failed is not None:
            break
    print("Stopping the simulation...", file=sys.stderr, flush=True)
    signalled = shutdown.received
    simulation.stop(end_duty=True)
    try:
        simulation.wait_ready(0)
    except SetupFailed:
        return 0 if signalled else 1  # stopped during setup, or setup failed by itself
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
