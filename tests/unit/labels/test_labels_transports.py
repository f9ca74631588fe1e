"""Printer transports against a fake Zebra printer on a loopback port, a file, and a fake `lp`."""

from __future__ import annotations

import os
import socket
import stat
from pathlib import Path

import pytest

from biobank_desktop.core.domain.errors import PrinterError
from biobank_desktop.core.labels.layout import SAMPLE_LABEL_DATA
from biobank_desktop.core.labels.model import LabelData, load_template
from biobank_desktop.core.labels.transports import (
    CupsRawQueueTransport,
    FileTransport,
    PrinterNotReadyError,
    PrintJobInterruptedError,
    TcpPrinterTransport,
    parse_host_status,
)
from biobank_desktop.core.labels.zpl import PrinterCalibration, render_zpl_labels
from tests.support.fake_zebra import FakeZebraPrinter, closed_port, host_status_reply
from tests.support.labels_testkit import SAMPLE_IDS, decode, zplkit_images

LABELS = [f"^XA^FO20,20^A0N,30,30^FDlabel {number}^FS^XZ\n" for number in range(1, 11)]
# Generous for a printer that answers (a busy test machine must not fail the test), short for the
# tests that wait for a silent printer, so they stay quick. Nothing asserts on time.
IO_TIMEOUT = 10.0
SILENT_TIMEOUT = 0.5


def _transport(printer: FakeZebraPrinter, **options: object) -> TcpPrinterTransport:
    options.setdefault("io_timeout", IO_TIMEOUT)
    return TcpPrinterTransport(printer.host, printer.port, **options)  # type: ignore[arg-type]


def test_a_batch_reaches_the_printer_in_order_and_every_label_is_confirmed() -> None:
    seen: list[tuple[int, int]] = []
    with FakeZebraPrinter() as printer:
        report = _transport(printer).send_labels(LABELS, progress=lambda done, total: seen.append((done, total)))
        received = list(printer.labels)
        queries = printer.status_queries
    assert report.complete
    assert (report.labels_confirmed, report.labels_total) == (10, 10)
    assert received == [label.strip() for label in LABELS]
    assert queries == 1 + 10  # once before the batch, then after every label
    assert seen == [(number, 10) for number in range(1, 11)]


def test_rendered_labels_arrive_intact_and_still_decode() -> None:
    template = load_template("cryovial-25x13")
    data = [LabelData(sample_id=sample_id, participant="P-0045-12") for sample_id in SAMPLE_IDS]
    formats = render_zpl_labels(template, data, PrinterCalibration(dpi=203))
    with FakeZebraPrinter() as printer:
        _transport(printer).send_labels(formats)
        received = "\n".join(printer.labels)
    images = zplkit_images(received, 203)
    assert [decode(image) for image in images] == [[sample_id] for sample_id in SAMPLE_IDS]


def test_status_can_be_asked_less_often_for_long_batches() -> None:
    with FakeZebraPrinter() as printer:
        report = _transport(printer, confirm_every=4).send_labels(LABELS)
        queries = printer.status_queries
    assert report.labels_confirmed == 10
    assert queries == 1 + 3  # before, after labels 4 and 8, and after the last one


def test_the_status_answer_is_read_flag_by_flag() -> None:
    status = parse_host_status(host_status_reply({"paper_out": True, "ribbon_out": True}, labels_remaining=7))
    assert status.answered and status.paper_out and status.ribbon_out
    assert not (status.head_open or status.paused)
    assert status.labels_remaining == 7
    assert not status.ready
    assert any("out of labels" in problem for problem in status.problems)
    assert parse_host_status(host_status_reply({})).ready


def test_an_answer_that_is_not_a_zebra_status_is_an_error() -> None:
    with pytest.raises(PrinterError, match="not a Zebra ~HS answer"):
        parse_host_status(b"HTTP/1.1 400 Bad Request\r\n\r\n")


def test_query_status_reports_what_the_printer_says() -> None:
    with FakeZebraPrinter(flags={"head_open": True}) as printer:
        status = _transport(printer).query_status()
    assert status.answered
    assert status.head_open
    assert status.problems == ["its print head is open (close it)"]


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ({"paper_out": True}, "out of labels"),
        ({"head_open": True, "paused": True}, "print head is open (close it); it is paused"),
        ({"ribbon_out": True}, "out of ribbon"),
    ],
)
def test_a_printer_that_is_not_ready_gets_nothing(flags: dict[str, bool], expected: str) -> None:
    with FakeZebraPrinter(flags=flags) as printer:
        with pytest.raises(PrinterNotReadyError) as caught:
            _transport(printer).send_labels(LABELS)
        received = list(printer.labels)
    assert received == []
    message = str(caught.value)
    assert expected in message
    assert "Nothing was printed" in message
    assert caught.value.status.answered


def test_a_silent_printer_is_not_ready_and_gets_nothing() -> None:
    with FakeZebraPrinter(hang=True) as printer:
        status = _transport(printer, io_timeout=SILENT_TIMEOUT).query_status()
        with pytest.raises(PrinterNotReadyError) as caught:
            _transport(printer, io_timeout=SILENT_TIMEOUT).send_labels(LABELS)
        received = list(printer.labels)
    assert not status.answered and not status.ready
    assert received == []
    assert "did not answer the status question" in str(caught.value)


def test_a_printer_that_stops_answering_mid_job_leaves_the_label_in_doubt() -> None:
    with FakeZebraPrinter(hang=True) as printer, pytest.raises(PrintJobInterruptedError) as caught:
        _transport(printer, check_status=False, io_timeout=SILENT_TIMEOUT).send_labels(LABELS)
    error = caught.value
    assert (error.labels_confirmed, error.labels_unconfirmed, error.labels_total) == (0, 1, 10)
    message = str(error)
    assert f"stopped answering (no status answer within {SILENT_TIMEOUT:g} s)" in message
    assert "Label 1 may or may not have printed" in message
    assert "Labels 2-10 were not sent" in message


def test_a_refused_connection_says_what_to_check() -> None:
    port = closed_port()
    with pytest.raises(PrinterError) as caught:
        TcpPrinterTransport("127.0.0.1", port, connect_timeout=2).send_labels(LABELS)
    message = str(caught.value)
    assert f"Printer 127.0.0.1:{port} refused the connection." in message
    assert "press Retry" in message


def test_a_connection_timeout_says_what_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_answer(address: tuple[str, int], timeout: float) -> socket.socket:
        raise TimeoutError("timed out")

    monkeypatch.setattr(socket, "create_connection", no_answer)
    with pytest.raises(PrinterError) as caught:
        TcpPrinterTransport("192.168.1.50").send_labels(LABELS)
    assert str(caught.value) == (
        "Printer 192.168.1.50:9100 did not answer within 5 s. Check it is switched on and connected, then press Retry."
    )


def test_an_unknown_printer_name_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    def unknown(address: tuple[str, int], timeout: float) -> socket.socket:
        raise socket.gaierror(-2, "Name or service not known")

    monkeypatch.setattr(socket, "create_connection", unknown)
    with pytest.raises(PrinterError, match="'zebra-lab-3' was not found on the network"):
        TcpPrinterTransport("zebra-lab-3").query_status()


def test_a_connection_dropped_mid_job_says_exactly_which_labels_reached_the_printer() -> None:
    with FakeZebraPrinter(drop_after_labels=4) as printer:
        with pytest.raises(PrintJobInterruptedError) as caught:
            _transport(printer).send_labels(LABELS)
        received = list(printer.labels)
    error = caught.value
    # The printer got 4 labels; it confirmed 3 before dropping; the 4th is honestly in doubt.
    assert received == [label.strip() for label in LABELS[:4]]
    assert (error.labels_confirmed, error.labels_unconfirmed, error.labels_total) == (3, 1, 10)
    message = str(error)
    assert "dropped the connection after 3 of 10 labels" in message
    assert "Labels 1-3 reached the printer." in message
    assert "Label 4 may or may not have printed" in message
    assert "Labels 5-10 were not sent." in message


def test_a_printer_that_runs_out_of_labels_mid_job_stops_the_batch() -> None:
    with FakeZebraPrinter(fail_after_labels=3, fail_flags={"paper_out": True}) as printer:
        with pytest.raises(PrintJobInterruptedError) as caught:
            _transport(printer).send_labels(LABELS)
        received = list(printer.labels)
    error = caught.value
    assert len(received) == 3
    assert (error.labels_confirmed, error.labels_unconfirmed) == (3, 0)
    assert error.status is not None and error.status.paper_out
    assert "out of labels" in str(error)
    assert "Labels 4-10 were not sent." in str(error)


def test_cancelling_stops_between_labels_and_reports_what_was_sent() -> None:
    sent: list[int] = []
    with FakeZebraPrinter() as printer:
        report = _transport(printer).send_labels(
            LABELS, progress=lambda done, _total: sent.append(done), cancelled=lambda: len(sent) >= 2
        )
        received = list(printer.labels)
    assert report.cancelled and not report.complete
    assert report.labels_confirmed == 2
    assert received == [label.strip() for label in LABELS[:2]]


def test_a_file_transport_writes_the_whole_job(tmp_path: Path) -> None:
    target = tmp_path / "labels.zpl"
    report = FileTransport(target).send_labels(LABELS[:3])
    assert report.complete
    assert target.read_text(encoding="utf-8") == "".join(LABELS[:3])
    FileTransport(target, append=True).send_labels(LABELS[3:5])
    assert target.read_text(encoding="utf-8") == "".join(LABELS[:5])
    FileTransport(target).send_labels(LABELS[:1])
    assert target.read_text(encoding="utf-8") == LABELS[0]
    assert FileTransport(target).query_status() is None


def test_a_file_transport_into_a_missing_folder_says_so(tmp_path: Path) -> None:
    target = tmp_path / "nowhere" / "labels.zpl"
    with pytest.raises(PrinterError) as caught:
        FileTransport(target).send_labels(LABELS)
    assert str(target) in str(caught.value)
    assert "Check that the folder exists" in str(caught.value)


def _fake_lp(folder: Path, body: str) -> None:
    folder.mkdir(exist_ok=True)
    script = folder / "lp"
    script.write_text("#!/bin/sh\n" + body, encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)


def test_a_cups_raw_queue_gets_the_job_raw(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bin_dir = tmp_path / "bin"
    _fake_lp(bin_dir, f'echo "$@" > {tmp_path}/args\ncat > {tmp_path}/job\necho "request id is zebra-1"\n')
    monkeypatch.setenv("PATH", os.pathsep.join([str(bin_dir), "/usr/bin", "/bin"]))
    data = [LabelData(sample_id="BB-2026-000123W", free_text="Garçon über µ-test")]
    formats = render_zpl_labels(load_template("box-76x25"), data, PrinterCalibration())
    report = CupsRawQueueTransport("zebra_lab").send_labels(formats)
    assert report.complete and report.labels_confirmed == 1
    assert (tmp_path / "args").read_text().split()[:4] == ["-d", "zebra_lab", "-o", "raw"]
    assert (tmp_path / "job").read_bytes() == "".join(formats).encode("utf-8")


def test_a_missing_lp_command_says_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(PrinterError) as caught:
        CupsRawQueueTransport("zebra_lab").send_labels(LABELS)
    message = str(caught.value)
    assert "'lp' command was not found" in message
    assert "Install CUPS" in message


def test_a_queue_that_refuses_the_job_passes_on_the_reason(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_lp(tmp_path, 'echo "lp: The printer or class does not exist." >&2\nexit 1\n')
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(PrinterError) as caught:
        CupsRawQueueTransport("nosuchqueue").send_labels(LABELS)
    assert "refused the job: lp: The printer or class does not exist." in str(caught.value)


@pytest.mark.parametrize("queue", ["-o evil", "", "queue name", "a/b"])
def test_a_queue_name_that_could_be_read_as_an_option_is_refused(queue: str) -> None:
    with pytest.raises(PrinterError, match="not a valid print queue name"):
        CupsRawQueueTransport(queue)


def test_sample_label_data_is_realistic() -> None:
    # The designer previews with it; keep it printable on every shipped roll template.
    assert SAMPLE_LABEL_DATA.sample_id == "BB-2026-000123W-A01"
