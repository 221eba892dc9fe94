"""The compile side: configure arguments and flags, what the build containers print read back, and the
free-threaded add-on's trim."""
