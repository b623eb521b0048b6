"""One module per resource family; each public function is named after the operationId it serves."""
from agent_api_mock.handlers import agents, integration_statuses, services, stats

MODULES = (services, stats, integration_statuses, agents)


def handler_for(operation_id: str):
    for module in MODULES:
        function = getattr(module, operation_id, None)
        if function is not None:
            return function
    raise LookupError(f"no handler serves operationId {operation_id!r}")
