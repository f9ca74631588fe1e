"""The Qt front end. Importing it first makes the installed Qt binding safe to call (see compat)."""

from biobank_desktop.ui import compat

compat.apply()
