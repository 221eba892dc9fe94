# Read by every make run of a clang LTO build tree (ThinLTO, -flto=thin) in parallel LTO mode (compile.sh sets
# MAKEFILES; lto.sh). clang's LTO objects are bitcode only, so every program of the interpreter's objects links
# with LTO, and CPython links four: python, and three build-only programs that are never installed:
# _bootstrap_python (CONFIGURE_LDFLAGS_NOLTO is -flto=thin with clang) and Programs/_freeze_module, which run
# during the build, and Programs/_testembed, test_embed's helper in the build tree. In the final PGO build
# each of the three repeats the whole interpreter's ThinLTO back end at -O3 for a program no user runs.
# Their links get the LTO plugin's -O0 instead (clang's driver hands the linker -plugin-opt=O3 first; the
# last level given wins): the back end only emits code for the bitcode the compile step already optimized.
# python itself links as before. Only a link that loads the plugin (an -flto flag) may be given a plugin
# option: ld refuses one without it, as in the PGO training build, which links without LTO.
# `private`: the programs' prerequisites (the interpreter's objects) do not inherit it.
PB_LTO_O0 = -Wl,-plugin-opt=O0
# $(call pb_lto_o0,LINK FLAGS): the -O0 option when those flags load the LTO plugin, else nothing
pb_lto_o0 = $(if $(filter -flto -flto=%,$(1)),$(PB_LTO_O0))
Programs/_freeze_module Programs/_testembed: private PY_CORE_LDFLAGS += \
    $(call pb_lto_o0,$(CONFIGURE_LDFLAGS_NODIST) $(LDFLAGS_NODIST))
_bootstrap_python: private PY_LDFLAGS_NOLTO += $(call pb_lto_o0,$(CONFIGURE_LDFLAGS_NOLTO) $(LDFLAGS_NODIST))
