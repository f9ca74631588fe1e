"""The Exchange page: the import wizard, the import history and the exports (issue 10)."""
