"""Shipments: arrival conditions and the files kept with them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.errors import ValidationError
from biobank_desktop.core.services import Services
from biobank_desktop.core.services.reception import ArrivalConditions


@pytest.fixture
def clinic(services: Services, supervisor: Actor) -> str:
    services.reference.add_site(supervisor, "CLINIC", "Example Clinic", "Luxembourg")
    return "CLINIC"


@pytest.mark.parametrize("reading", ["NaN", "Infinity", "-Infinity", "sNaN"])
def test_a_temperature_that_is_not_a_number_is_refused(services: Services, technician: Actor, clinic: str,
                                                       reading: str) -> None:
    info = services.reception.create_shipment(technician, clinic).value
    with pytest.raises(ValidationError, match="not a temperature"):
        services.reception.record_arrival(technician, info.code, ArrivalConditions(temperature_c=Decimal(reading)))
    assert services.reception.shipment(info.code).arrival.temperature_c is None


def test_cli_arrival_with_a_nan_temperature_is_a_clean_error(
        services: Services, technician: Actor, clinic: str, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch, db_url: str) -> None:
    from tests.conftest import PASSWORD
    from tests.support.cli import cli_runner

    code = services.reception.create_shipment(technician, clinic).value.code
    run = cli_runner(capsys, monkeypatch)
    done = run("--database", db_url, "--user", "tom", "--json", "reception", "arrival", code, "--temperature", "nan",
               password=PASSWORD)
    assert done.code == 1 and "temperature" in done.err, done
    assert "bug" not in done.err.lower(), done
