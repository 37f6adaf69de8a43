"""Modal screens, one module each: the key list, the tape filter, past alerts."""

MODAL_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{
    width: 64; max-width: 95%; height: auto; max-height: 90%;
    border: round $accent; padding: 0 1; background: $surface;
}}
"""
