"""EPCIS event IDs as GS1's event hash (CBV 2.0, hash-based event identifiers), so that the
same diary entry has the same ``eventID`` in every export and in anyone else's copy of it.

The algorithm (canonical pre-hash string of the event's fields in a fixed order, SHA-256, written
``ni:///sha-256;…?ver=CBV2.0``) is the one of GS1's reference implementation on PyPI,
``epcis-event-hash-generator`` (github.com/RalphTro/epcis-event-hash-generator); we call it rather
than re-implement it, so our IDs match what a partner computes with it.
"""

from __future__ import annotations

import copy
import importlib.util
import logging
from pathlib import Path
from typing import Any

# The library expands JSON-LD with the EPCIS 2.0.0 context it carries (its loader would fetch any
# other context over the network); the unversioned context our documents name is that same 2.0.
_CARRIED_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"

# Found without importing it: the library (with pyld) is imported by ``event_hashes`` alone.
_SPEC = importlib.util.find_spec("epcis_event_hash_generator")
assert _SPEC is not None and _SPEC.origin is not None, "epcis-event-hash-generator is a dependency"
_LIBRARY = str(Path(_SPEC.origin).parent)


class _LibraryChatter(logging.Filter):
    """The library logs every event it hashes at INFO, straight on the root logger: a farmer's diary
    in our logs on each export. Its warnings and errors still pass."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING or not record.pathname.startswith(_LIBRARY)


# A filter on the root logger sees only records logged on it directly (not those of named loggers).
logging.getLogger().addFilter(_LibraryChatter())


def event_hashes(document: dict[str, Any]) -> list[str]:
    """The event hash of each event in an EPCISDocument, in order (their eventIDs are ignored)."""
    # Imported at the first export, not at start: the library and pyld are 24 MiB in every app
    # process, and only an EPCIS export needs them.
    from epcis_event_hash_generator import hash_generator, json_to_py

    local = copy.deepcopy(document)
    context = local["@context"]
    local["@context"] = [_CARRIED_CONTEXT, *(c for c in context if not isinstance(c, str))]
    events = json_to_py.event_list_from_epcis_document_json(local)
    # The library logs and skips an event it cannot read: count, so no ID lands on the wrong event.
    hashes = hash_generator.epcis_hashes_from_events(events)
    if len(hashes) != len(document["epcisBody"]["eventList"]):
        raise ValueError("an EPCIS event could not be hashed")
    return hashes


def with_event_ids(document: dict[str, Any]) -> dict[str, Any]:
    """The document with each event's ``eventID`` set to its event hash."""
    for event, event_id in zip(document["epcisBody"]["eventList"], event_hashes(document), strict=True):
        event["eventID"] = event_id
    return document
