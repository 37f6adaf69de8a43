"""Package data: the bundled demo recording."""
