"""Widgets: the tape and the snapshot panes (thin: layout only)."""
