"""Files a technician chooses: a rack scanner's output read as text (the storage page's rack-scan tab, the
aliquoting page's batch of parents from a scanned rack); the services parse it."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication

from biobank_desktop.core.domain.errors import ValidationError

MAX_FILE_BYTES = 2_000_000  # a 1536-well rack's file is under 100 kB


def read_scan_file(path: Path) -> str:
    """The file's text; ValidationError (with what to do) for a file that cannot be read or is not text."""
    tr = QCoreApplication.translate
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ValidationError(tr("RackScanView", "The file {name} cannot be read: {why}.").format(
            name=path.name, why=exc.strerror or exc), hint=tr("RackScanView", "Check that the file exists and that "
                                                               "you may read it.")) from exc
    if len(data) > MAX_FILE_BYTES:
        raise ValidationError(tr("RackScanView", "The file {name} is too large to be a rack scan ({n} bytes).").format(
            name=path.name, n=len(data)), hint=tr("RackScanView", "Choose the file the rack scanner wrote."))
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            return text
    raise ValidationError(tr("RackScanView", "The file {name} is not a text file.").format(name=path.name),
                          hint=tr("RackScanView", "Choose the file the rack scanner wrote (CSV or TXT)."))
