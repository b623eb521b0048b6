"""The `mockserver` command: serve both APIs from spec/ with seed data; its subcommands
(SUBCOMMANDS) are programs of their own, started as `mockserver NAME [options]`."""
from __future__ import annotations

import argparse
import errno
import importlib
import logging
import socket
import sqlite3
import sys
import warnings
from urllib.parse import urlsplit, urlunsplit

import uvicorn

# connexion imports starlette.testclient, which warns about httpx: noise for a server's user.
warnings.filterwarnings("ignore", message=".*starlette.testclient.*")
from agent_api_mock.app import create_app  # noqa: E402
from agent_api_mock.broker import Broker  # noqa: E402
from agent_api_mock.index import DESCRIPTION, version  # noqa: E402
from agent_api_mock.permissions import describe  # noqa: E402
from agent_api_mock.collector import keep_pauses_short  # noqa: E402
from agent_api_mock.persistence import SqliteState  # noqa: E402
from agent_api_mock.sessions import DEFAULT_MAX_MEMORY_MB, DEFAULT_MAX_SESSIONS  # noqa: E402
from agent_api_mock.postgres_state import PostgresState, SessionState, SharedStateUnavailable, is_postgresql_url  # noqa: E402
from agent_api_mock.workers import run_workers  # noqa: E402
from agent_api_mock.store import DEFAULT_DATA, InvalidData, InvalidSavedState, Store, load_data_file  # noqa: E402
from agent_api_spec.ports import port  # noqa: E402


# name -> (the module whose main(argv) runs it, what it does in one line)
SUBCOMMANDS = {
    "proxy": ("agent_api_contracts.proxy.cli",
              "forward traffic to a real Waldur or Prefactor server and judge it against spec/"),
    "drift": ("agent_api_spec.drift",
              "compare spec/ with a Waldur schema (a file or a deployment's /api/schema/ URL); exit 1 on a contradiction"),
}


def parser() -> argparse.ArgumentParser:
    commands = [("mockserver [serve options]", "serve both APIs with seed data (the options above)"),
                *((f"mockserver {name} [options]", what) for name, (_, what) in SUBCOMMANDS.items()),
                ("mockserver help [COMMAND]", "this help, or a command's (as COMMAND --help)")]
    width = max(len(usage) for usage, _ in commands)
    parser = argparse.ArgumentParser(
        prog="mockserver", usage="mockserver [serve options] | mockserver COMMAND [options]", description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="commands:\n" + "\n".join(f"  {usage:<{width}}  {what}" for usage, what in commands))
    parser.add_argument("--version", action="version", version=f"mockserver {version()}")
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=port, default=8000, help="port to listen on (default: 8000; 0 picks a free one)")
    parser.add_argument("--data", default=str(DEFAULT_DATA), help="YAML or JSON seed data (default: the built-in data set)")
    parser.add_argument("--state", metavar="FILE|postgresql://USER:PASS@HOST:PORT/DB",
                        help="keep the state in this SQLite file, so it survives restarts (named sessions are then "
                             "kept in memory only); or in PostgreSQL, every session's, shared by every mock process "
                             "started with the same URL (default: in memory only)")
    parser.add_argument("--workers", type=positive_int, default=1, metavar="N",
                        help="serve with N processes on one port (needs --state postgresql://...; default: 1)")
    parser.add_argument("--max-sessions", type=positive_int, default=DEFAULT_MAX_SESSIONS, metavar="N",
                        help="named sessions (/sessions/<name>/...) kept at once; a new one past it is refused "
                             f"(default: {DEFAULT_MAX_SESSIONS})")
    parser.add_argument("--max-sessions-memory", type=positive_mb, default=DEFAULT_MAX_MEMORY_MB, metavar="MB",
                        help="the named sessions' estimated memory together (state and journal); a new session "
                             f"past it is refused (default: {DEFAULT_MAX_MEMORY_MB})")
    parser.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    parser.add_argument("--no-admin", action="store_true", help="do not serve the /__admin/ test-control surface")
    parser.add_argument("--validate-responses", action="store_true",
                        help="check every answer against the spec (slower; a non-conforming answer becomes a 500)")
    parser.add_argument("--rabbitmq", metavar="amqp://USER:PASS@HOST:PORT/",
                        help="a RabbitMQ (an administrator's credentials) to provision register_queue on and publish "
                             "events to, as Waldur does (default: none; events are only logged under /__admin/events)")
    parser.add_argument("--rabbitmq-management", metavar="URL",
                        help="RabbitMQ's management API (default: http://HOST:15672 of --rabbitmq)")
    parser.add_argument("-v", "--verbose", "--access-log", dest="access_log", action="store_true",
                        help="print a line per request: time, method, path, status, duration, operationId")
    return parser


def positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return int(text)


def positive_mb(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number of megabytes")
    return value


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    cli = parser()
    args = cli.parse_args(argv)
    if args.workers > 1 and not is_postgresql_url(args.state):
        cli.error(f"--workers {args.workers} needs a state the processes share: --state postgresql://USER:PASS@HOST:PORT/DB "
                  "(each process would otherwise keep a state of its own)")
    return args


def state_name(state: str) -> str:
    """The --state value for messages, without a password."""
    if not is_postgresql_url(state):
        return state
    url = urlsplit(state)
    if url.password is None:
        return state
    return urlunsplit(url._replace(netloc=url.netloc.replace(f":{url.password}@", ":***@", 1)))


def open_store(args: argparse.Namespace, data: dict) -> Store:
    """The store, with its durable backend; a reason to stop is a one-line exit."""
    try:
        if is_postgresql_url(args.state):
            durable = PostgresState(args.state).for_session("")
        else:
            durable = SqliteState(args.state) if args.state else None
        return Store(data, durable=durable)
    except (InvalidSavedState, OSError, sqlite3.Error) as error:
        sys.exit(f"mockserver: cannot load {state_name(args.state)}: {reason(error)}")
    except InvalidData as error:
        sys.exit(f"mockserver: cannot load {args.data}: {error}")


def banner(store: Store, base_url: str, admin_surface: bool) -> str:
    lines = [f"mockserver listening on {base_url}",
             f"  docs:   {base_url}/docs/waldur/  and  {base_url}/docs/prefactor/"]
    if admin_surface:
        lines.append(f"  admin:  {base_url}/__admin/ (reset, state, requests, faults, sessions, events)")
    lines.append(f"  sessions: {base_url}/sessions/<name>/... (an isolated copy each, e.g. one per test worker)")
    lines.append("  Waldur tokens (Authorization: Token <key>):")
    lines += [f"    {user.token:<24} {describe(user)}" for user in store.users.values()]
    lines.append("  Prefactor tokens (Authorization: Bearer <token>):")
    lines += [f"    {token}" for token in sorted(store.prefactor_tokens)]
    return "\n".join(lines)


class AnnouncingServer(uvicorn.Server):
    """Prints the banner once the socket is bound, with the real port (useful with --port 0)."""

    def __init__(self, config, store: Store, admin_surface: bool, announce: bool = True):
        super().__init__(config)
        self.store, self.admin_surface, self.announce = store, admin_surface, announce

    async def startup(self, sockets=None):
        await super().startup(sockets)
        self.collector = keep_pauses_short()  # collector.py: what start-up built, out of full collections
        for server in self.servers if self.announce else ():
            for sock in server.sockets:
                host, port = sock.getsockname()[:2]
                print(banner(self.store, f"http://{host}:{port}", self.admin_surface), flush=True)
                return


def reason(error: Exception) -> str:
    if isinstance(error, SharedStateUnavailable):
        return str(error)
    if isinstance(error, OSError) and error.strerror:
        return error.strerror  # the file name is already in the message
    return str(error) if isinstance(error, InvalidData) else f"{type(error).__name__}: {error}"


def listening_socket(host: str, port: int) -> socket.socket:
    """The server's socket, bound before uvicorn starts, so that a taken port is one line and
    not a start-up log followed by uvicorn's own error."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        sock = socket.socket(family, kind, proto)
    except (OSError, UnicodeError) as error:
        sys.exit(f"mockserver: cannot listen on {host}:{port}: {getattr(error, 'strerror', None) or error}")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRINUSE:
            sys.exit(f"mockserver: port {port} on {host} is already in use (try another --port, or --port 0 for a free one)")
        sys.exit(f"mockserver: cannot listen on {host}:{port}: {error.strerror or error}")
    return sock


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["help"]:
        if argv[1:2] and argv[1] in SUBCOMMANDS:
            argv = [argv[1], "--help"]
        elif argv[1:]:
            sys.exit(f"mockserver help: no command {argv[1]!r}; the commands are: {', '.join(SUBCOMMANDS)}")
        else:
            argv = ["--help"]
    if argv[:1] and argv[0] in SUBCOMMANDS:
        module, _ = SUBCOMMANDS[argv[0]]
        return importlib.import_module(module).main(argv[1:])
    try:
        serve(parse_args(argv))
    except KeyboardInterrupt:
        pass  # Ctrl-C: uvicorn has shut down cleanly; a traceback would only alarm


def serve(args: argparse.Namespace) -> None:
    logging.basicConfig(level=args.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    if args.log_level != "debug":
        logging.getLogger("connexion.middleware.exceptions").setLevel(logging.ERROR)
    try:
        data = load_data_file(args.data)
    except (OSError, InvalidData) as error:
        sys.exit(f"mockserver: cannot load {args.data}: {reason(error)}")
    open_broker(args)  # a broker option it cannot use stops it before it listens
    sock = listening_socket(args.host, args.port)
    if args.workers == 1:
        try:
            serve_one(args, data, sock)
        finally:
            sock.close()
        return
    close_backend(open_store(args, data))  # the database answers, and the seed is stored once, before forking
    try:
        run_workers(args.workers, lambda number: serve_one(args, data, sock, announce=number == 0))
    finally:
        sock.close()


def serve_one(args: argparse.Namespace, data: dict, sock: socket.socket, announce: bool = True) -> None:
    """One mock process on the bound socket (of --workers N, each builds its own)."""
    store = open_store(args, data)
    app = create_app(store=store, admin_surface=not args.no_admin, validate_responses=args.validate_responses,
                     access_log=sys.stdout if args.access_log else None, state_backend=process_backend(store),
                     broker=open_broker(args), max_sessions=args.max_sessions,
                     max_sessions_memory_mb=args.max_sessions_memory)
    config = uvicorn.Config(app, host=args.host, port=args.port, log_level=args.log_level, access_log=args.log_level == "debug")
    try:
        AnnouncingServer(config, store, not args.no_admin, announce).run(sockets=[sock])
    finally:
        close_backend(store)


def open_broker(args: argparse.Namespace) -> Broker | None:
    """--rabbitmq: the broker the default session provisions queues on and publishes to."""
    if args.rabbitmq_management and not args.rabbitmq:
        sys.exit("mockserver: --rabbitmq-management needs --rabbitmq")
    if not args.rabbitmq:
        return None
    try:
        return Broker(args.rabbitmq, args.rabbitmq_management)
    except ValueError as error:
        sys.exit(f"mockserver: {error}")


def process_backend(store: Store):
    """The process's state backend: the SQLite file, or the PostgreSQL connection whose
    for_session(name) keeps each named session (sessions.py)."""
    durable = store.durable
    return durable.server if isinstance(durable, SessionState) else durable


def close_backend(store: Store) -> None:
    backend = process_backend(store)
    if backend is not None:
        backend.close()
