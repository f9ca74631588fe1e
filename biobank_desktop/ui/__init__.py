"""The Qt front end: the only package that imports PySide6. It reaches data only through the services."""
