"""Printers as a workstation knows them: a name, how to reach it, its resolution and calibration.

Printers are configured per workstation (they sit next to it); the settings file stores a list of
:class:`PrinterConfig` as dicts. A printer can also be named ad hoc on the command line as
``zpl://HOST[:PORT]``, ``zpl-file:///path/labels.zpl``, ``cups://QUEUE`` or ``pdf:///path/out.pdf``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Final, Literal
from urllib.parse import urlsplit

from biobank_desktop.core.domain.errors import NotFoundError, ValidationError
from biobank_desktop.core.labels.transports import (
    CupsRawQueueTransport,
    FileTransport,
    PrinterTransport,
    TcpPrinterTransport,
)
from biobank_desktop.core.labels.zpl import PrinterCalibration

PrinterKind = Literal["zpl-tcp", "zpl-file", "cups-raw", "pdf-file", "system"]
PRINTER_KINDS: tuple[str, ...] = ("zpl-tcp", "zpl-file", "cups-raw", "pdf-file", "system")
DPI_CHOICES = (152, 203, 300, 600)
#: A printer's name is kept with each print job (print_jobs.printer_name).
MAX_PRINTER_NAME: Final = 100


@dataclass(frozen=True)
class PrinterConfig:
    """One printer. ``address``: host[:port] for zpl-tcp, a path for the file kinds, the queue for cups-raw,
    the operating system's printer name for ``system`` (printed through Qt by the GUI)."""

    name: str
    kind: str
    address: str
    dpi: int = 203
    offset_x_mm: float = 0.0
    offset_y_mm: float = 0.0
    darkness: int | None = None
    timeout_s: float = 5.0

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ValidationError("A printer needs a name.")
        if self.kind not in PRINTER_KINDS:
            raise ValidationError(f"Printer {self.name}: unknown kind {self.kind!r}; use one of "
                                  f"{', '.join(PRINTER_KINDS)}.")
        if self.dpi not in DPI_CHOICES:
            raise ValidationError(f"Printer {self.name}: {self.dpi} dpi is not a printer resolution "
                                  f"({', '.join(map(str, DPI_CHOICES))}).")
        if not self.address.strip():
            raise ValidationError(f"Printer {self.name} has no address.")
        if not -10 <= self.offset_x_mm <= 10 or not -10 <= self.offset_y_mm <= 10:
            raise ValidationError(f"Printer {self.name}: a calibration offset must be within ±10 mm.")
        if self.darkness is not None and not 0 <= self.darkness <= 30:
            raise ValidationError(f"Printer {self.name}: darkness must be between 0 and 30.")

    @property
    def speaks_zpl(self) -> bool:
        return self.kind in ("zpl-tcp", "zpl-file", "cups-raw")

    @property
    def calibration(self) -> PrinterCalibration:
        return PrinterCalibration(dpi=self.dpi, offset_x_mm=self.offset_x_mm, offset_y_mm=self.offset_y_mm,
                                  darkness=self.darkness)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> PrinterConfig:
        try:
            return cls(name=str(raw["name"]), kind=str(raw["kind"]), address=str(raw["address"]),
                       dpi=int(raw.get("dpi", 203)), offset_x_mm=float(raw.get("offset_x_mm", 0.0)),
                       offset_y_mm=float(raw.get("offset_y_mm", 0.0)),
                       darkness=None if raw.get("darkness") is None else int(raw["darkness"]),
                       timeout_s=float(raw.get("timeout_s", 5.0)))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValidationError(f"A printer in the settings is incomplete or malformed ({exc}).",
                                  hint="Fix it in Settings → Printers.") from exc


def transport_for(printer: PrinterConfig) -> PrinterTransport:
    """The transport that sends ZPL to ``printer``."""
    if printer.kind == "zpl-tcp":
        host, _, port = printer.address.strip().rpartition(":") if ":" in printer.address else (
            printer.address.strip(), "", "9100")
        try:
            port_number = int(port)
        except ValueError as exc:
            raise ValidationError(f"Printer {printer.name}: '{printer.address}' is not HOST:PORT.") from exc
        return TcpPrinterTransport(host, port_number, connect_timeout=printer.timeout_s, io_timeout=printer.timeout_s)
    if printer.kind == "zpl-file":
        return FileTransport(Path(printer.address).expanduser(), append=True)
    if printer.kind == "cups-raw":
        return CupsRawQueueTransport(printer.address.strip())
    raise ValidationError(f"Printer {printer.name} does not take ZPL ({printer.kind}).")


def checked_printer(name: str, kind: str, address: str, *, dpi: int = 203, offset_x_mm: float = 0.0,
                    offset_y_mm: float = 0.0, darkness: int | None = None, timeout_s: float = 5.0,
                    existing: Sequence[PrinterConfig] = (), replacing: str | None = None) -> PrinterConfig:
    """A printer about to be added to (or changed on) this workstation, checked by the rules that
    ``printer add`` and Settings → Printers share; ValidationError says what is wrong.

    The name is short, has no ``://`` (it would read as an ad-hoc printer spec) and is not used by
    another printer of ``existing`` (``replacing``: the name of the printer being edited); a file
    path is made absolute; a ZPL address must parse (HOST[:PORT], a CUPS queue name).
    """
    name = name.strip()
    if "://" in name or len(name) > MAX_PRINTER_NAME:
        shown = name if len(name) <= 60 else name[:59] + "…"
        raise ValidationError(f"'{shown}' cannot be a printer name.",
                              hint=f"Use a short name without '://' ({MAX_PRINTER_NAME} characters at most), "
                                   "e.g. Bench-3-Zebra.")
    address = address.strip()
    if kind in ("zpl-file", "pdf-file") and address:
        path = Path(address).expanduser()
        address = str(path if path.is_absolute() else path.absolute())
    printer = PrinterConfig(name, kind, address, dpi=dpi, offset_x_mm=offset_x_mm, offset_y_mm=offset_y_mm,
                            darkness=darkness, timeout_s=timeout_s)
    if printer.speaks_zpl:
        transport_for(printer)  # HOST:PORT and queue names are checked now, not at the first print
    if any(p.name == name and p.name != replacing for p in existing):
        raise ValidationError(f"This workstation has a printer called {name} already.",
                              hint="Choose another name, or remove that printer first.")
    return printer


def parse_printer_spec(spec: str, known: list[PrinterConfig], *, dpi: int = 203) -> PrinterConfig:
    """A configured printer by name, or an ad-hoc one from a URL-like spec (see the module docstring)."""
    for printer in known:
        if printer.name == spec:
            return printer
    parts = urlsplit(spec)
    if parts.scheme == "zpl" and parts.hostname:
        return PrinterConfig(spec, "zpl-tcp", f"{parts.hostname}:{parts.port or 9100}", dpi=dpi)
    if parts.scheme in ("zpl-file", "file") and parts.path:
        return PrinterConfig(spec, "zpl-file", parts.path, dpi=dpi)
    if parts.scheme == "cups" and (parts.netloc or parts.path.strip("/")):
        return PrinterConfig(spec, "cups-raw", parts.netloc or parts.path.strip("/"), dpi=dpi)
    if parts.scheme == "pdf" and parts.path:
        return PrinterConfig(spec, "pdf-file", parts.path, dpi=dpi)
    names = ", ".join(p.name for p in known) or "none configured"
    raise NotFoundError(f"There is no printer '{spec}' (printers: {names}).",
                        hint="Use a configured name, or zpl://HOST:9100, cups://QUEUE, zpl-file:///PATH, "
                             "pdf:///PATH.")
