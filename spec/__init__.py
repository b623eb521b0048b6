"""The contract: one hand-authored OpenAPI 3.0.3 document per service (installed as `agent_api_spec`).

The mock and the contract suites both read these files; neither re-types them. operations.py
indexes their operations; admin.py holds what the mock's and the proxy's /__admin/ share."""
from pathlib import Path

DIRECTORY = Path(__file__).resolve().parent
DOCUMENTS = {
    "waldur": DIRECTORY / "waldur-marketplace-site-agent.yaml",
    "prefactor": DIRECTORY / "prefactor-agents.yaml",
}
