"""A validating proxy: real traffic to a real server, forwarded unchanged and judged against
spec/ and the documented rules (`mockserver proxy --upstream URL`).

    cli.py            the `mockserver proxy` command
    app.py            the app: its /__admin/ routes, CORS as the mock adds it, the forwarding
    forward.py        forward to the API's upstream, answer unchanged, hand the exchange over
    upstreams.py      where each API's traffic goes; the proxy's own 502s in each API's format
    conformance.py    judges of one exchange against spec/ (status, content type, schema, headers)
    judging.py        every judge on every exchange (the spec's, and the documented rules' from
                      agent_api_contracts.judges); the verdicts to the journal and the report
    journal.py        the bounded journal under /__admin/requests
    report.py         coverage and violations; JSON (streamed) and JUnit files
    admin.py          the proxy's own /__admin/ routes
"""
