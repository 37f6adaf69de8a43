"""Theme files (TOML) shipped with liqwatch."""
