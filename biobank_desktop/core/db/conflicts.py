"""Turn a database constraint violation into a sentence a technician can act on.

Services check the common cases first and give the precise message themselves (naming the sample
or the box); this is the safety net for a race lost to another workstation between that check and
the commit, where only the constraint knows.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from biobank_desktop.core.domain.errors import ConflictError

_HINT = "Another workstation may have just made this change. Reload and check, then try again."

_MESSAGES: dict[str, str] = {
    "uq_sample_locations_container_id": "That position is already taken by another tube.",
    "pk_sample_locations": "That tube already has a storage position.",
    "sample_locations.sample_id": "That tube already has a storage position.",
    "sample_locations.container_id": "That position is already taken by another tube.",
    "uq_samples_sample_code": "A sample with this ID already exists.",
    "samples.sample_code": "A sample with this ID already exists.",
    "uq_sample_barcodes_barcode": "This barcode is already registered for another sample.",
    "sample_barcodes.barcode": "This barcode is already registered for another sample.",
    "uq_storage_containers_barcode": "A storage container with this barcode already exists.",
    "storage_containers.barcode": "A storage container with this barcode already exists.",
    "uq_users_username": "A user with this user name already exists.",
    "users.username": "A user with this user name already exists.",
    "uq_participants_study_id": "This pseudonym already exists in the study.",
    "participants.study_id": "This pseudonym already exists in the study.",
    "ck_samples_volume_not_negative": "The volume would become negative.",
    "volume_not_negative": "The volume would become negative.",
    "uq_audit_events_hash": "Two workstations saved at the same moment.",
    "pk_audit_events": "Two workstations saved at the same moment.",
    "audit_events.seq": "Two workstations saved at the same moment.",
}


def explain_integrity_error(exc: IntegrityError) -> ConflictError:
    text = str(exc.orig)
    for needle, message in _MESSAGES.items():
        if needle in text:
            return ConflictError(f"{message} Nothing was saved.", hint=_HINT)
    return ConflictError("The change breaks a rule of the database and was not saved.", hint=_HINT)
