"""Settings and plain data: config.toml validated and frozen, CPython versions, one Build per (version, distro)."""
