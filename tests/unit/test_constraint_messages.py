"""Constraint messages live beside each area's models and are collected by one registry."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from biobank_desktop.core.db.conflicts import explain_integrity_error
from biobank_desktop.core.db.models import Base, constraint_messages, register_constraint_messages


def _error(text: str) -> IntegrityError:
    return IntegrityError("INSERT ...", {}, Exception(text))


@pytest.mark.parametrize(("driver_text", "expected"), [
    ('duplicate key value violates unique constraint "uq_samples_sample_code"', "A sample with this ID"),
    ("UNIQUE constraint failed: sample_locations.container_id, sample_locations.row", "position is already taken"),
    ('violates unique constraint "uq_users_username"', "user name already exists"),
    ("UNIQUE constraint failed: audit_events.seq", "saved at the same moment"),
    ("UNIQUE constraint failed: storage_containers.barcode", "storage container with this barcode"),
])
def test_each_area_registers_its_messages(driver_text: str, expected: str) -> None:
    error = explain_integrity_error(_error(driver_text))
    assert expected in error.message and error.message.endswith("Nothing was saved.")


def test_an_unknown_constraint_gets_the_general_message() -> None:
    assert "breaks a rule of the database" in explain_integrity_error(_error("CHECK constraint failed: x")).message


def test_every_registered_piece_names_a_constraint_or_column_of_the_model() -> None:
    """A typo in a message's key would silently never match: each key is part of a real name."""
    names = {f"{table.name}.{column.name}" for table in Base.metadata.tables.values() for column in table.columns}
    for table in Base.metadata.tables.values():
        for constraint in table.constraints:
            name = str(constraint.name or "")
            names |= {name, f"ck_{table.name}_{name}"}
        names |= {f"pk_{table.name}"}
        names |= {f"uq_{table.name}_" + "_".join(c.name for c in u.columns)
                  for u in table.constraints if u.__class__.__name__ == "UniqueConstraint"}
        names |= {f"uq_{table.name}_{c.name}" for c in table.columns if c.unique}
    for needle in constraint_messages():
        assert any(needle in name for name in names), needle


def test_registering_a_piece_again_with_another_message_is_refused() -> None:
    register_constraint_messages({"uq_users_username": "A user with this user name already exists."})  # same: fine
    with pytest.raises(ValueError, match="registered twice"):
        register_constraint_messages({"uq_users_username": "Something else."})
