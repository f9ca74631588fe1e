"""Getting ZPL to a printer: raw TCP (port 9100), a file, or a CUPS raw queue.

Every transport takes the labels as a list of ZPL formats (one ``^XA ... ^XZ`` per label, see
:func:`~biobank_desktop.core.labels.zpl.render_zpl_labels`) and reports how many of them the
printer (or the file, or the spooler) got, so that the caller never prints a label twice without
knowing it and never silently loses one:

* :class:`TcpPrinterTransport` asks the printer's status (``~HS``) before the batch and refuses
  to start when the printer is not ready; then it sends the labels one by one and, after each
  (``confirm_every``), asks ``~HS`` again on the same connection. An answer proves that the
  printer received everything sent before the question, so ``labels_confirmed`` is exact; when
  the connection drops or the printer stops answering, :class:`PrintJobInterruptedError` says
  which labels reached the printer, which were sent without confirmation (they may or may not
  print) and which were never sent.
* :class:`FileTransport` and :class:`CupsRawQueueTransport` hand over the whole job at once: all
  labels or none (a file opened for appending, written label by label, and a print queue that
  timed out raise :class:`PrintJobInterruptedError` with the labels that may have gone through).

Every failure is a :class:`~biobank_desktop.core.domain.errors.PrinterError` whose message says
what happened and what to do. Nothing here blocks without a timeout.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Protocol

from biobank_desktop.core.domain.errors import PrinterError

DEFAULT_PORT: Final = 9100
STATUS_QUERY: Final = b"~HS"
_STX: Final = b"\x02"
_ETX: Final = b"\x03"
_MAX_STATUS_BYTES: Final = 4096
_QUEUE_NAME_RE: Final = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.@+-]{0,127}$")

ProgressCallback = Callable[[int, int], None]
CancelledCallback = Callable[[], bool]


# --- Status ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PrinterStatus:
    """A Zebra printer's answer to ``~HS`` (host status), or the fact that it did not answer.

    ``answered`` False means "not ready": a Zebra printer in an error state (out of labels, head
    open) may not answer at all.
    """

    answered: bool
    paper_out: bool = False
    paused: bool = False
    head_open: bool = False
    ribbon_out: bool = False
    buffer_full: bool = False
    corrupt_ram: bool = False
    under_temperature: bool = False
    over_temperature: bool = False
    formats_in_buffer: int = 0
    labels_remaining: int = 0
    raw: str = ""

    @property
    def errors(self) -> list[str]:
        """Conditions that stop printing, in the technician's words with what to do."""
        found: list[str] = []
        if self.paper_out:
            found.append("it is out of labels (load labels and close the print head)")
        if self.head_open:
            found.append("its print head is open (close it)")
        if self.ribbon_out:
            found.append("it is out of ribbon (load a new ribbon)")
        if self.corrupt_ram:
            found.append("it lost its settings (switch it off and on, then check its configuration)")
        if self.under_temperature:
            found.append("its print head is too cold (let it warm up)")
        if self.over_temperature:
            found.append("its print head is too hot (let it cool down)")
        return found

    @property
    def problems(self) -> list[str]:
        """Everything that keeps a batch from starting (errors, pause, full buffer, no answer)."""
        if not self.answered:
            return [
                "it did not answer the status question; printers in an error state (out of labels, "
                "head open) often do not answer: check its display and lights"
            ]
        found = self.errors
        if self.paused:
            found.append("it is paused (press its PAUSE button to resume)")
        if self.buffer_full:
            found.append("its memory is full of jobs (wait until it has printed them)")
        return found

    @property
    def ready(self) -> bool:
        return not self.problems


def parse_host_status(reply: bytes) -> PrinterStatus:
    """Parse the three ``<STX>...<ETX>`` strings of a ``~HS`` answer; PrinterError when malformed.

    String 1: ``aaa,b,c,dddd,eee,f,g,h,iii,j,k,l`` (b paper out, c pause, eee formats in the
    receive buffer, f buffer full, j corrupt RAM, k under temperature, l over temperature).
    String 2: ``mmm,n,o,p,q,r,s,t,uuuuuuuu,v,www`` (o head up, p ribbon out, uuuuuuuu labels
    remaining in the batch). String 3: ``xxxx,y`` (password, static RAM).
    """
    text = reply.decode("ascii", errors="replace")
    frames = re.findall(r"\x02([^\x02\x03]*)\x03", text)
    if len(frames) < 3:
        raise PrinterError(
            "The printer's status answer could not be read (it is not a Zebra ~HS answer).",
            hint="Check that the address belongs to a Zebra printer speaking ZPL.",
        )
    first = frames[0].split(",")
    second = frames[1].split(",")
    if len(first) < 12 or len(second) < 9:
        raise PrinterError(
            "The printer's status answer is incomplete.",
            hint="Check that the address belongs to a Zebra printer speaking ZPL.",
        )

    def flag(value: str) -> bool:
        return value.strip() == "1"

    def number(value: str) -> int:
        digits = value.strip()
        return int(digits) if digits.isdigit() else 0

    return PrinterStatus(
        answered=True,
        paper_out=flag(first[1]),
        paused=flag(first[2]),
        formats_in_buffer=number(first[4]),
        buffer_full=flag(first[5]),
        corrupt_ram=flag(first[9]),
        under_temperature=flag(first[10]),
        over_temperature=flag(first[11]),
        head_open=flag(second[2]),
        ribbon_out=flag(second[3]),
        labels_remaining=number(second[8]),
        raw=text,
    )


# --- Results and errors ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SendReport:
    """What happened to a batch that was not interrupted by an error.

    ``labels_confirmed``: the first N labels reached the printer (or the file, or the spooler).
    Less than ``labels_total`` only when the caller cancelled (``cancelled``).
    """

    printer: str
    labels_total: int
    labels_confirmed: int
    cancelled: bool = False

    @property
    def complete(self) -> bool:
        return self.labels_confirmed == self.labels_total


class PrinterNotReadyError(PrinterError):
    """The printer reported (or its silence implied) a problem before anything was sent."""

    def __init__(self, printer: str, status: PrinterStatus) -> None:
        super().__init__(
            f"Printer {printer} is not ready: {'; '.join(status.problems)}.",
            hint="Nothing was printed. Fix the printer, then press Retry.",
        )
        self.printer = printer
        self.status = status


def _span(first: int, last: int) -> str:
    return f"label {first}" if first == last else f"labels {first}-{last}"


class PrintJobInterruptedError(PrinterError):
    """A batch stopped part-way. The first ``labels_confirmed`` labels reached the printer; the
    next ``labels_unconfirmed`` were sent without confirmation (they may or may not print); the
    rest were not sent."""

    def __init__(
        self,
        printer: str,
        what_happened: str,
        *,
        labels_total: int,
        labels_confirmed: int,
        labels_unconfirmed: int,
        status: PrinterStatus | None = None,
    ) -> None:
        confirmed, unconfirmed = labels_confirmed, labels_unconfirmed
        parts: list[str] = []
        if confirmed and status is not None:
            parts.append(
                f"{_span(1, confirmed).capitalize()} reached the printer; it prints what it holds once the "
                f"problem is fixed (check that it did)."
            )
        elif confirmed:
            parts.append(f"{_span(1, confirmed).capitalize()} reached the printer.")
        else:
            parts.append("No label is known to have reached the printer.")
        if unconfirmed:
            parts.append(
                f"{_span(confirmed + 1, confirmed + unconfirmed).capitalize()} may or may not have printed: "
                f"look at the printer before printing {'it' if unconfirmed == 1 else 'them'} again."
            )
        if confirmed + unconfirmed < labels_total:
            parts.append(f"{_span(confirmed + unconfirmed + 1, labels_total).capitalize()} were not sent.")
        parts.append("Fix the printer, then reprint only the missing labels.")
        super().__init__(
            f"Printer {printer} {what_happened} after {confirmed} of {labels_total} labels.",
            hint=" ".join(parts),
        )
        self.printer = printer
        self.labels_total = labels_total
        self.labels_confirmed = confirmed
        self.labels_unconfirmed = unconfirmed
        self.status = status


class PrinterTransport(Protocol):
    """What the print service needs from a way of reaching a printer."""

    @property
    def description(self) -> str:
        """How the printer is named in messages ('192.168.1.50:9100', 'queue zebra-lab')."""
        ...

    def query_status(self) -> PrinterStatus | None:
        """The printer's status, or None when this way of reaching it cannot tell."""
        ...

    def send_labels(
        self,
        labels: Sequence[str],
        *,
        progress: ProgressCallback | None = None,
        cancelled: CancelledCallback | None = None,
    ) -> SendReport:
        """Send the ZPL formats in order; see the module docstring for what is guaranteed."""
        ...


# --- Raw TCP ---------------------------------------------------------------------------------------


class _NoAnswerError(Exception):
    """The printer did not answer ~HS in time."""


class TcpPrinterTransport:
    """A network printer's raw port (9100 on Zebra printers).

    ``connect_timeout`` bounds the connection, ``io_timeout`` every send and every wait for a
    status answer. ``confirm_every`` = N asks the printer for its status after every N labels
    (1: after each label, the exact count of labels received on failure; larger: fewer round
    trips, coarser count). ``check_status`` asks before the batch and refuses to start when the
    printer is not ready.
    """

    def __init__(
        self,
        host: str,
        port: int = DEFAULT_PORT,
        *,
        connect_timeout: float = 5.0,
        io_timeout: float = 5.0,
        check_status: bool = True,
        confirm_every: int = 1,
    ) -> None:
        if not host or not host.strip():
            raise PrinterError("The printer has no network address.", hint="Enter its IP address or name.")
        if not 1 <= port <= 65535:
            raise PrinterError(f"Port {port} is not a network port.", hint="Zebra printers listen on port 9100.")
        if confirm_every < 1:
            raise ValueError("confirm_every must be 1 or more")
        self.host = host.strip()
        self.port = port
        self.connect_timeout = connect_timeout
        self.io_timeout = io_timeout
        self.check_status = check_status
        self.confirm_every = confirm_every

    @property
    def description(self) -> str:
        return f"{self.host}:{self.port}"

    def _connect(self) -> socket.socket:
        try:
            connection = socket.create_connection((self.host, self.port), timeout=self.connect_timeout)
        except TimeoutError:
            raise PrinterError(
                f"Printer {self.description} did not answer within {self.connect_timeout:g} s.",
                hint="Check it is switched on and connected, then press Retry.",
            ) from None
        except ConnectionRefusedError:
            raise PrinterError(
                f"Printer {self.description} refused the connection.",
                hint="Check that it is switched on, that no other computer is sending it a job, and that "
                "the address and port (usually 9100) are right, then press Retry.",
            ) from None
        except socket.gaierror:
            raise PrinterError(
                f"The printer address {self.host!r} was not found on the network.",
                hint="Check the printer's name or IP address in the printer settings.",
            ) from None
        except OSError as error:
            raise PrinterError(
                f"Printer {self.description} cannot be reached ({error.strerror or error}).",
                hint="Check the network cable and the printer's address, then press Retry.",
            ) from None
        connection.settimeout(self.io_timeout)
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return connection

    def _read_status(self, connection: socket.socket) -> PrinterStatus:
        """Wait for the three-string ``~HS`` answer; _NoAnswerError on timeout, OSError when dropped."""
        received = b""
        try:
            while received.count(_ETX) < 3:
                chunk = connection.recv(512)
                if not chunk:
                    raise ConnectionResetError("the printer closed the connection")
                received += chunk
                if len(received) > _MAX_STATUS_BYTES:
                    break
        except TimeoutError:
            raise _NoAnswerError from None
        return parse_host_status(received)

    def query_status(self) -> PrinterStatus:
        """Ask ``~HS`` on a new connection. No answer within ``io_timeout`` is a not-ready status;
        a printer that cannot be reached at all is a PrinterError."""
        with self._connect() as connection:
            try:
                connection.sendall(STATUS_QUERY)
                return self._read_status(connection)
            except _NoAnswerError:
                return PrinterStatus(answered=False)
            except OSError as error:
                raise PrinterError(
                    f"Printer {self.description} closed the connection instead of answering "
                    f"({error.strerror or error}).",
                    hint="Check that no other computer is printing to it, then press Retry.",
                ) from None

    def send_labels(
        self,
        labels: Sequence[str],
        *,
        progress: ProgressCallback | None = None,
        cancelled: CancelledCallback | None = None,
    ) -> SendReport:
        """Send ``labels`` one by one with status round trips; see the class and module docstrings.

        Raises PrinterError when the printer cannot be reached, PrinterNotReadyError when it is not
        ready before the batch (nothing sent), PrintJobInterruptedError when the batch stops
        part-way (with the counts).
        """
        total = len(labels)
        with self._connect() as connection:
            if self.check_status:
                try:
                    connection.sendall(STATUS_QUERY)
                    status = self._read_status(connection)
                except _NoAnswerError:
                    status = PrinterStatus(answered=False)
                except OSError:
                    raise PrinterError(
                        f"Printer {self.description} closed the connection before the job started.",
                        hint="Nothing was printed. Check that no other computer is printing to it, then press Retry.",
                    ) from None
                if not status.ready:
                    raise PrinterNotReadyError(self.description, status)
            return self._send(connection, labels, total, progress, cancelled)

    def _send(
        self,
        connection: socket.socket,
        labels: Sequence[str],
        total: int,
        progress: ProgressCallback | None,
        cancelled: CancelledCallback | None,
    ) -> SendReport:
        confirmed = 0
        sent = 0
        was_cancelled = False
        for index, label in enumerate(labels):
            if cancelled is not None and cancelled():
                was_cancelled = True
                break
            ask = (index + 1) % self.confirm_every == 0 or index + 1 == total
            payload = label.encode("utf-8") + (STATUS_QUERY if ask else b"")
            try:
                connection.sendall(payload)
                sent += 1
                if ask:
                    status = self._read_status(connection)
                    confirmed = sent
                    if status.errors:
                        raise PrintJobInterruptedError(
                            self.description,
                            f"reported that {'; '.join(status.errors)},",
                            labels_total=total,
                            labels_confirmed=confirmed,
                            labels_unconfirmed=0,
                            status=status,
                        )
            except _NoAnswerError:
                raise PrintJobInterruptedError(
                    self.description,
                    f"stopped answering (no status answer within {self.io_timeout:g} s)",
                    labels_total=total,
                    labels_confirmed=confirmed,
                    labels_unconfirmed=sent - confirmed,
                ) from None
            except TimeoutError:
                raise PrintJobInterruptedError(
                    self.description,
                    f"stopped taking data (nothing accepted within {self.io_timeout:g} s)",
                    labels_total=total,
                    labels_confirmed=confirmed,
                    labels_unconfirmed=sent - confirmed,
                ) from None
            except OSError:
                raise PrintJobInterruptedError(
                    self.description,
                    "dropped the connection",
                    labels_total=total,
                    labels_confirmed=confirmed,
                    labels_unconfirmed=sent - confirmed,
                ) from None
            if progress is not None:
                progress(sent, total)
        if was_cancelled and sent > confirmed:
            try:
                connection.sendall(STATUS_QUERY)
                self._read_status(connection)
                confirmed = sent
            except (_NoAnswerError, OSError):
                raise PrintJobInterruptedError(
                    self.description,
                    "did not confirm the last labels after the job was cancelled",
                    labels_total=total,
                    labels_confirmed=confirmed,
                    labels_unconfirmed=sent - confirmed,
                ) from None
        return SendReport(self.description, total, confirmed, cancelled=was_cancelled)


# --- Whole-job transports (file, print queue) ------------------------------------------------------


class _WholeJobTransport:
    """What a file and a print queue share: no status to ask, a cancel is only honoured before
    anything was handed over, and the report comes from :meth:`_deliver`."""

    @property
    def description(self) -> str:  # pragma: no cover - overridden
        raise NotImplementedError

    def query_status(self) -> PrinterStatus | None:
        """None: a file (or a print queue) cannot tell how the printer is."""
        return None

    def send_labels(
        self,
        labels: Sequence[str],
        *,
        progress: ProgressCallback | None = None,
        cancelled: CancelledCallback | None = None,
    ) -> SendReport:
        """Hand the labels over (see :meth:`_deliver`); cancelled beforehand, nothing is sent."""
        if cancelled is not None and cancelled():
            return SendReport(self.description, len(labels), 0, cancelled=True)
        self._deliver(labels)
        if progress is not None:
            progress(len(labels), len(labels))
        return SendReport(self.description, len(labels), len(labels))

    def _deliver(self, labels: Sequence[str]) -> None:
        """Hand every label over, or raise a PrinterError that says which labels were."""
        raise NotImplementedError  # pragma: no cover


class FileTransport(_WholeJobTransport):
    """Writes the ZPL to a file (for a printer share, a USB stick or checking by hand).

    A new file (``append`` False) replaces the old one only when complete: all labels or none.
    Appending (a printer device or share, a log of jobs) writes and flushes label by label; when
    a write fails part-way, :class:`PrintJobInterruptedError` says which labels are in the file
    (the printer may already have printed them) and which one may be there in part.
    """

    def __init__(self, path: Path, *, append: bool = False) -> None:
        self.path = path
        self.append = append

    @property
    def description(self) -> str:
        return f"file {self.path}"

    def _deliver(self, labels: Sequence[str]) -> None:
        if self.append:
            self._append(labels)
            return
        data = "".join(labels).encode("utf-8")
        try:
            handle, temporary = tempfile.mkstemp(prefix=".labels-", suffix=".tmp", dir=self.path.parent)
            try:
                with os.fdopen(handle, "wb") as stream:
                    stream.write(data)
                Path(temporary).replace(self.path)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError as error:
            raise self._write_error(error) from None

    def _append(self, labels: Sequence[str]) -> None:
        written = 0
        try:
            stream = self.path.open("ab")
        except OSError as error:
            raise self._write_error(error) from None
        try:
            with stream:
                for label in labels:
                    stream.write(label.encode("utf-8"))
                    stream.flush()
                    written += 1
        except OSError as error:
            # The label being written may be in the file in part (and a printer may print that part).
            raise PrintJobInterruptedError(
                self.description,
                f"could not be written any more ({error.strerror or error})",
                labels_total=len(labels),
                labels_confirmed=written,
                labels_unconfirmed=1,
            ) from None

    def _write_error(self, error: OSError) -> PrinterError:
        return PrinterError(
            f"The labels could not be written to {self.path} ({error.strerror or error}).",
            hint="Nothing was written. Check that the folder exists, that the disk is not full and that you "
            "may write there.",
        )


# --- CUPS raw queue --------------------------------------------------------------------------------


class CupsRawQueueTransport(_WholeJobTransport):
    """A CUPS queue, sent raw (``lp -d QUEUE -o raw``) so CUPS passes the ZPL to the printer as is."""

    def __init__(self, queue: str, *, lp_command: str = "lp", timeout: float = 30.0) -> None:
        if not _QUEUE_NAME_RE.match(queue):
            raise PrinterError(
                f"{queue!r} is not a valid print queue name.",
                hint="Use the queue's name as `lpstat -p` lists it (letters, digits, '-', '_', '.').",
            )
        self.queue = queue
        self.lp_command = lp_command
        self.timeout = timeout

    @property
    def description(self) -> str:
        return f"queue {self.queue}"

    def _deliver(self, labels: Sequence[str]) -> None:
        """Submit all labels as one raw job; the spooler has them all or none."""
        executable = shutil.which(self.lp_command)
        if executable is None:
            raise PrinterError(
                f"The '{self.lp_command}' command was not found, so the print queue {self.queue!r} cannot be used.",
                hint="Install CUPS (on Debian/Ubuntu the cups-client package), or set the printer up as a "
                "network printer (TCP port 9100).",
            )
        data = "".join(labels).encode("utf-8")
        try:
            finished = subprocess.run(
                [executable, "-d", self.queue, "-o", "raw", "-t", "Biobank labels", "--"],
                input=data,
                capture_output=True,
                timeout=self.timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            # lp may have queued the job before it hung: every label may or may not print, so none
            # may go back to the queue silently (that could print it twice).
            raise PrintJobInterruptedError(
                self.description,
                f"did not take the job within {self.timeout:g} s (check that CUPS is running: `lpstat -r`)",
                labels_total=len(labels),
                labels_confirmed=0,
                labels_unconfirmed=len(labels),
            ) from None
        except OSError as error:
            raise PrinterError(
                f"'{self.lp_command}' could not be started ({error.strerror or error}).",
                hint="Check the CUPS installation.",
            ) from None
        if finished.returncode != 0:
            reason = finished.stderr.decode("utf-8", errors="replace").strip() or f"exit code {finished.returncode}"
            raise PrinterError(
                f"The print queue {self.queue!r} refused the job: {reason}",
                hint="Check the queue name (`lpstat -p`) and that the queue is enabled, then press Retry. "
                "Nothing was printed.",
            )
