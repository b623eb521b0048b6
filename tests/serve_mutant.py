"""Serve one variant of tests/mutants.py (or, as NAME `mock`, the plain mock) on a free loopback port:
`python tests/serve_mutant.py NAME` (`mock DATA.json`: the plain mock seeded with that data;
`mock-without-sessions [DATA.json]`: the mock as a deployment without sessions sees it).
Prints `listening on http://127.0.0.1:PORT` once it accepts connections."""
import json
import logging
import sys
import warnings

import uvicorn

warnings.filterwarnings("ignore")
logging.disable(logging.CRITICAL)

from mutants import BY_NAME, create_app  # noqa: E402
from without_sessions import WithoutSessions  # noqa: E402


class Announcing(uvicorn.Server):
    async def startup(self, sockets=None):
        await super().startup(sockets)
        host, port = self.servers[0].sockets[0].getsockname()[:2]
        print(f"listening on http://{host}:{port}", flush=True)


if __name__ == "__main__":
    data = json.loads(open(sys.argv[2], encoding="utf-8").read()) if len(sys.argv) > 2 else None
    if sys.argv[1] == "mock-without-sessions":
        app = WithoutSessions(create_app(data))
    elif sys.argv[1] == "mock":
        app = create_app(json.loads(open(sys.argv[2], encoding="utf-8").read()) if len(sys.argv) > 2 else None)
    else:
        app = BY_NAME[sys.argv[1]].build()
    Announcing(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="critical", lifespan="off")).run()
