# Read by every make run of a gcc LTO build tree in parallel LTO mode (compile.sh sets MAKEFILES; lto.sh).
# CPython links its build-only _bootstrap_python without LTO (PY_LDFLAGS_NOLTO: gcc's LTO objects are fat,
# -ffat-lto-objects, so they hold native code too), but links two more programs that are never installed
# with the interpreter's whole-program LTO: Programs/_freeze_module (it freezes the startup modules during
# the build) and Programs/_testembed (test_embed's helper, in the build tree only). In the final PGO build
# that is two more LTO links of the whole interpreter beside the one of python itself. Link them the way
# CPython links _bootstrap_python. `private`: the prerequisites (the interpreter's objects) do not inherit it.
Programs/_freeze_module Programs/_testembed: private PY_CORE_LDFLAGS = $(PY_LDFLAGS_NOLTO)
