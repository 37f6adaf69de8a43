"""Modal screens, one module each: the key list, the tape filter, past alerts.

Each is one bordered box in the middle of the screen that scrolls when the
terminal is too short for it (a 40x20 tmux pane), so nothing is cut off.
"""

MODAL_CSS = """
{name} {{ align: center middle; }}
{name} > VerticalScroll {{
    width: 64; max-width: 95%; height: auto; max-height: 90%;
    border: round $accent; padding: 0 1; background: $surface;
    scrollbar-size-vertical: 1;
}}
"""

# The box's border and padding, in cells across: what a box sized to its
# content adds to the content's width.
MODAL_FRAME = 4
