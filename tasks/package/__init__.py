"""From install trees to .debs: Debian policy tidying, debhelper, the manifest, a flat apt repository."""
