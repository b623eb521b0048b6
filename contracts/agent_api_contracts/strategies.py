"""Hypothesis strategies for the values clients send."""
from __future__ import annotations

import uuid

from hypothesis import strategies as st

# Text a real service stores as sent: no NUL (PostgreSQL refuses it), no lone surrogates.
stored_text = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=20)

json_scalars = st.booleans() | st.integers(-(2**53), 2**53) | st.floats(allow_nan=False, allow_infinity=False) | stored_text
json_values = st.recursive(
    st.none() | json_scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(stored_text, children, max_size=4),
    max_leaves=12,
)
# What set_statistics accepts: any JSON value but null.
statistics = json_values.filter(lambda value: value is not None)

# Names without surrounding white space, which DRF's CharField would trim.
names = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,24}[A-Za-z0-9]", fullmatch=True)
backend_types = st.sampled_from(["SLURM", "MOAB", "MUP", "Rancher", "OpenStack"])
backend_versions = st.none() | st.from_regex(r"[0-9]{1,2}\.[0-9]{1,2}(\.[0-9]{1,2})?", fullmatch=True)


def unique(name: str) -> str:
    """A name no earlier run used, so a registration is new even on a server that is never reset."""
    return f"{name}-{uuid.uuid4().hex[:8]}"
