"""Multi-step work as plain state machines (no Qt), driven by the GUI and tested without a window."""
