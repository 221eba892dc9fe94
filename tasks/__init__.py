"""python-builder: build optimized Debian packages of CPython releases inside Docker, driven by doit."""
