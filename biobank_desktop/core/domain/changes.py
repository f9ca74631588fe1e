"""The one change record every mutating service returns (as Anki's ``OpChanges``).

Defined in the domain so the unit of work (``core.db``) can build it; services and the UI import it from
:mod:`biobank_desktop.core.services.changes`, which re-exports it beside :class:`Result`.

A view refreshes only when a :class:`Changes` concerns it: ``changes.touches("sample")``. The same record
comes from this window's own actions (returned by the service) and from other workstations' work (built
by :meth:`AuditService.changes_since` from the audit trail), so a page has one refresh path for both.

Entity types are the audit trail's ``entity_type`` strings; the constants below name the ones in use so
a typo is a NameError, not a silent miss. A new workflow adds its own here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

SAMPLE: Final = "sample"
PARTICIPANT: Final = "participant"
CONSENT: Final = "consent"
USER: Final = "user"
LABEL_JOB: Final = "print_job"  # the audit trail's name for a label print job
PRINT_JOB: Final = LABEL_JOB
LABEL_TEMPLATE: Final = "label_template"
PRINT_RULE: Final = "print_rule"
STUDY: Final = "study"
SITE: Final = "site"
SETTING: Final = "setting"
DATABASE: Final = "database"
CONTAINER: Final = "container"
SHIPMENT: Final = "shipment"
IMPORT: Final = "import"
ALIQUOT_BATCH: Final = "aliquot_batch"
ALIQUOT_PROTOCOL: Final = "aliquot_protocol"
EXPORT: Final = "export"  # a file written from the database (who exported what, when)


@dataclass(frozen=True)
class Changes:
    """What a committed unit of work (or a span of other workstations' work) changed.

    ``entity_types``: the kinds of thing that changed; ``entity_ids``: (type, id) pairs, which may be
    empty when only the kinds are known (another workstation's work seen through the audit head);
    ``last_audit_seq``: the audit head after the change (0 when unknown).
    """

    entity_types: frozenset[str] = frozenset()
    entity_ids: frozenset[tuple[str, str]] = frozenset()
    last_audit_seq: int = 0

    @classmethod
    def of(cls, pairs: Iterable[tuple[str, str]], last_audit_seq: int = 0) -> Changes:
        pairs = frozenset(pairs)
        return cls(frozenset(t for t, _ in pairs), pairs, last_audit_seq)

    def touches(self, *entity_types: str) -> bool:
        """True when any of ``entity_types`` changed."""
        return not self.entity_types.isdisjoint(entity_types)

    def ids_of(self, entity_type: str) -> frozenset[str]:
        """The ids of ``entity_type`` that changed (empty when only the kind is known)."""
        return frozenset(i for t, i in self.entity_ids if t == entity_type)

    def __or__(self, other: Changes) -> Changes:
        return Changes(self.entity_types | other.entity_types, self.entity_ids | other.entity_ids,
                       max(self.last_audit_seq, other.last_audit_seq))

    def __bool__(self) -> bool:
        return bool(self.entity_types)


NO_CHANGES: Final = Changes()

