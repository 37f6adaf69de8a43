"""The Textual app, the command line, config and alerts."""
