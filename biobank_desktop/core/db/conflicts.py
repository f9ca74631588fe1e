"""Turn a database constraint violation into a sentence a technician can act on.

Services check the common cases first and give the precise message themselves (naming the sample
or the box); this is the safety net for a race lost to another workstation between that check and
the commit, where only the constraint knows. The messages live beside each area's models
(:func:`biobank_desktop.core.db.models.register_constraint_messages`); importing the models package
registers them all.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from biobank_desktop.core.db.models import constraint_messages
from biobank_desktop.core.domain.errors import ConflictError

_HINT = "Another workstation may have just made this change. Reload and check, then try again."


def explain_integrity_error(exc: IntegrityError) -> ConflictError:
    text = str(exc.orig)
    for needle, message in constraint_messages().items():
        if needle in text:
            return ConflictError(f"{message} Nothing was saved.", hint=_HINT)
    return ConflictError("The change breaks a rule of the database and was not saved.", hint=_HINT)
