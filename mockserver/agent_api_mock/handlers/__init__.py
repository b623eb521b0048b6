"""One module per resource family; each public function is named after the operationId it serves.

The seed pages' families live in handlers/, the marketplace families the site agent works with
in resources/. A `<list>_count` operation (HEAD) that no module serves is answered by its list
handler, without the body: Waldur's count is the list's `X-Result-Count` and `Link`.
"""
import functools

from agent_api_mock.handlers import agents, integration_statuses, services, stats
from agent_api_mock.handlers.responses import headers_only

MODULES = (services, stats, integration_statuses, agents)


def modules() -> tuple:
    # Imported when the app is built: the resources' modules import handlers.responses, which
    # runs this package's __init__ first.
    from agent_api_mock import resources
    return (*MODULES, *resources.MODULES)


def handler_for(operation_id: str):
    for module in modules():
        function = getattr(module, operation_id, None)
        if function is not None:
            return function
    if operation_id.endswith("_count"):
        return counting(handler_for(operation_id.removesuffix("_count") + "_list"))
    raise LookupError(f"no handler serves operationId {operation_id!r}")


def counting(list_handler):
    @functools.wraps(list_handler)
    async def count(*args, **kwargs):
        answer = await list_handler(*args, **kwargs)
        return headers_only({name: answer.headers[name] for name in ("Link", "X-Result-Count")})
    return count
