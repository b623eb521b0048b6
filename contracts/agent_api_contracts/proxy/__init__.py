"""A validating proxy: real traffic to a real server, forwarded unchanged and judged against
spec/ and the documented rules (`mockserver proxy --upstream URL`).

    cli.py         the `mockserver proxy` command
    upstreams.py   which API a path belongs to, and where its upstream is
    forward.py     the ASGI app: forward, answer unchanged, hand the exchange to the judges
    operations.py  the documented operation of a request, from spec/
    judges.py      every judge that watches an exchange, one list
    journal.py     the bounded journal under /__admin/requests
    report.py      coverage and violations; JSON (streamed) and JUnit files
    admin.py       the proxy's own /__admin/ routes
"""
