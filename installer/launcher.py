"""The bundle's one entry script. The spec builds two executables from it, and each is what its name says:

* ``biobank-desktop`` (a console program): the command line, ``biobank_desktop.cli`` — with no command it
  starts the window, and ``biobank-desktop --self-test`` prints the self-test;
* ``BiobankDesktop`` (windowed on Windows and macOS: no console opens): the window, ``biobank_desktop.app``,
  which also takes ``--self-test`` and ``--database``.
"""

from __future__ import annotations

import sys
from pathlib import Path

CLI_NAME = "biobank-desktop"


def main() -> None:
    if Path(sys.executable).stem.lower() == CLI_NAME:
        from biobank_desktop.cli import entry_point

        entry_point()
    else:
        from biobank_desktop.app import main as window

        raise SystemExit(window())


main()
