"""Roles and what each may do. The services check these; the GUI only hides what a role cannot use."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    TECHNICIAN = "technician"
    SUPERVISOR = "supervisor"
    ADMINISTRATOR = "administrator"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Permission(StrEnum):
    VIEW_SAMPLES = "view_samples"
    RECORD_SAMPLES = "record_samples"  # receive, aliquot, place, update routine fields
    PRINT_LABELS = "print_labels"
    REPRINT_LABELS = "reprint_labels"
    OVERRIDE_SPREC = "override_sprec"
    MANAGE_REFERENCE = "manage_reference"  # studies, partner sites, container types, templates
    MANAGE_STORAGE = "manage_storage"  # freezers, racks, boxes
    VIEW_AUDIT = "view_audit"
    MANAGE_USERS = "manage_users"
    MANAGE_DATABASE = "manage_database"  # backups, upgrades, demo data


# A reprint is routine at the bench (a smudged or frosted label); it asks for a reason and is audited.
_TECHNICIAN = frozenset(
    {Permission.VIEW_SAMPLES, Permission.RECORD_SAMPLES, Permission.PRINT_LABELS, Permission.REPRINT_LABELS,
     Permission.VIEW_AUDIT}
)
_SUPERVISOR = _TECHNICIAN | {
    Permission.OVERRIDE_SPREC,
    Permission.MANAGE_REFERENCE,
    Permission.MANAGE_STORAGE,
}
_ADMINISTRATOR = _SUPERVISOR | {Permission.MANAGE_USERS, Permission.MANAGE_DATABASE}

PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.TECHNICIAN: _TECHNICIAN,
    Role.SUPERVISOR: frozenset(_SUPERVISOR),
    Role.ADMINISTRATOR: frozenset(_ADMINISTRATOR),
}


def allows(role: Role, permission: Permission) -> bool:
    return permission in PERMISSIONS[role]
