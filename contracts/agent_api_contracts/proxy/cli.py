"""`mockserver proxy`: listen locally, forward to the real server, judge the traffic, report."""
from __future__ import annotations

import argparse
import logging
import sys

import uvicorn

from agent_api_contracts.proxy.app import create_proxy
from agent_api_contracts.proxy.upstreams import Upstreams
from agent_api_spec.ports import port


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="mockserver proxy",
        description="Forward traffic to a Waldur or Prefactor server unchanged, and check every exchange "
                    "against spec/ and the documented rules.")
    parser.add_argument("--upstream", metavar="URL", help="the server for both APIs (https is checked against "
                                                          "the system's certificate authorities)")
    parser.add_argument("--waldur-upstream", metavar="URL", help="the Waldur server (default: --upstream)")
    parser.add_argument("--prefactor-upstream", metavar="URL", help="the Prefactor server (default: --upstream)")
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=port, default=8100, help="port to listen on (default: 8100; 0 picks a free one)")
    parser.add_argument("--report", metavar="FILE.json|FILE.html",
                        help="write the report here on exit and on POST /__admin/report (with FILE.junit.xml "
                             "and FILE.violations.jsonl beside it; FILE.html also writes FILE.json and the HTML page)")
    parser.add_argument("--fail-on-violation", action="store_true",
                        help="answer an exchange that shows a violation of the server's with 502 and its description "
                             "instead of the upstream's answer (for CI jobs that want a hard stop; a client's own "
                             "invalid request, refused as it should be, passes)")
    parser.add_argument("--ca-bundle", metavar="FILE", help="trust this CA bundle for https upstreams instead")
    parser.add_argument("--log-level", default="warning", choices=["critical", "error", "warning", "info", "debug"])
    return parser.parse_args(argv)


class AnnouncingServer(uvicorn.Server):
    def __init__(self, config, upstreams: Upstreams):
        super().__init__(config)
        self.upstreams = upstreams

    async def startup(self, sockets=None):
        await super().startup(sockets)
        host, port = self.servers[0].sockets[0].getsockname()[:2]
        lines = [f"mockserver proxy listening on http://{host}:{port}"]
        lines += [f"  {api:<10} -> {url}" for api, url in self.upstreams.urls.items()]
        lines.append(f"  journal: http://{host}:{port}/__admin/requests   report: http://{host}:{port}/__admin/report")
        print("\n".join(lines), flush=True)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    try:
        upstreams = Upstreams.from_options(args.upstream, waldur=args.waldur_upstream, prefactor=args.prefactor_upstream)
    except ValueError as error:
        sys.exit(f"mockserver proxy: {error}")
    app = create_proxy(upstreams, args.report, args.fail_on_violation, verify=args.ca_bundle or True,
                       on_shutdown=write_report)
    # No Date or Server header of our own: the upstream's travel unchanged.
    config = uvicorn.Config(app, host=args.host, port=args.port, log_level=args.log_level, access_log=False,
                            server_header=False, date_header=False, lifespan="on")
    try:
        AnnouncingServer(config, upstreams).run()
    except KeyboardInterrupt:
        pass  # Ctrl-C: uvicorn has shut down and the report is written; a traceback would only alarm


def write_report(report) -> None:
    """On shutdown, after the lifespan has judged what waited: the files, then the per-rule table.
    Uvicorn then ends the process by the signal that stopped it (Ctrl-C: main() exits 0)."""
    for path in report.write():
        print(f"mockserver proxy: wrote {path}", flush=True)
    report.close()
    print(f"mockserver proxy: {report.table()}", flush=True)
