"""python-builder: build optimized Debian packages of CPython releases inside Docker, driven by doit.

Subpackages, in the order data flows through them (docs/architecture.md has the module map):
  model     config.toml -> frozen Settings; versions; one Build per (version, distro)
  sources   find, download, verify (sha256, Sigstore) and unpack a release's tarball; pins
  engine    Docker: clients, the build images, running one step in a container, moving files in and out
  build     what configure and make get (flags), what they print (build log), the free-threaded trim
  package   install trees -> .debs (debhelper), the manifest, a local apt repository
  validate  install the .debs in a fresh container of the plain base image and judge the facts
  pipeline  the doit layer: the task graph, its actions, the command line, the reporter, the run guard
Beside them: errors (the one user-facing exception), files (atomic writes), faults (test-only holds).
"""
