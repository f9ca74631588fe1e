"""``python -m biobank_desktop``: the same as the ``biobank-desktop`` command."""

from biobank_desktop.cli import entry_point

if __name__ == "__main__":
    entry_point()
