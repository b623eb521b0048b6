"""Contract suites that check any implementation of the Waldur site-agent and Prefactor agent APIs
against the documents in spec/: `pytest contracts [--base-url URL]`."""
