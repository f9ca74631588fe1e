"""Biobank Desktop: sample management for biobank technicians."""

__version__ = "0.1.0"
