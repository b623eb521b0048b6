"""A stateful mock of the Waldur site-agent and Prefactor agent APIs, driven by spec/."""
