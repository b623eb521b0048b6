"""The `--port` argument of `mockserver` and `mockserver proxy` (both import it from here: the
contracts never import the mock)."""
from __future__ import annotations

import argparse


def port(text: str) -> int:
    """A TCP port for argparse: 0 to 65535 (0: a free one), else a clear error."""
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0 to 65535)") from None
    if not 0 <= number <= 65535:
        raise argparse.ArgumentTypeError(f"{number} is not a port number (0 to 65535; 0 picks a free one)")
    return number
