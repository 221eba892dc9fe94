# Read by every make run of a gcc LTO build tree in parallel LTO mode (compile.sh sets MAKEFILES; lto.sh).
# It trims work the final PGO build does twice without using it; what is installed is linked as before.
#
# 1. Build-only programs. CPython links its build-only _bootstrap_python without LTO (PY_LDFLAGS_NOLTO:
#    gcc's LTO objects are fat, -ffat-lto-objects, so they hold native code too), but links two more programs
#    that are never installed with the interpreter's whole-program LTO: Programs/_freeze_module (it freezes
#    the startup modules during the build) and Programs/_testembed (test_embed's helper, in the build tree
#    only). In the final PGO build that is two more LTO links of the whole interpreter beside the one of
#    python itself. Link them the way CPython links _bootstrap_python. `private`: the prerequisites (the
#    interpreter's objects) do not inherit it.
Programs/_freeze_module Programs/_testembed: private PY_CORE_LDFLAGS = $(PY_LDFLAGS_NOLTO)
#
# 2. Shared extension modules' objects. CPython compiles every object with -ffat-lto-objects: the
#    interpreter's objects need their native half (the static libpython and the programs above link it),
#    but an extension module's objects are only ever linked into its .so, by an LTO link that compiles them
#    again from their GIMPLE and drops the native half unread. Those objects alone are the ones compiled
#    with $(CCSHARED) (makesetup's rules for shared modules) in a static build, where the core never uses it
#    (with --enable-shared the core gets $(CCSHARED) too, so nothing changes there). They are made slim.
#    Objects archived into the bundled static libraries (HACL*, expat, libmpdec) stay fat: an archive's
#    symbol index sees a slim object's symbols only through ar's LTO plugin.
PB_FAT_KEPT = Modules/_hacl/% Modules/expat/% Modules/_decimal/libmpdec/%
%.o: private CCSHARED += $(if $(filter 1,$(PY_ENABLE_SHARED))$(filter $(PB_FAT_KEPT),$@),,-fno-fat-lto-objects)
