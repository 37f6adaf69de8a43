"""Producers: async tasks that turn exchange data into events (see DESIGN.md)."""
