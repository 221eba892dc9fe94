"""A release's source: candidates from the configured sources, resumable downloads, sha256 and Sigstore
checks, safe unpacking, and `doit pin`."""
