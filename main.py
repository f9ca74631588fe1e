"""Start Biobank Desktop (the GUI). The command line is ``biobank-desktop`` (biobank_desktop.cli)."""

from biobank_desktop.app import main

raise SystemExit(main())
