"""Build and import a small C extension with the interpreter's installed sysconfig compiler and flags.

Argument: a scratch directory. Prints the compile command; exits non-zero when anything fails.
"""

import importlib.util
import shlex
import subprocess
import sys
import sysconfig
from pathlib import Path

SOURCE = r"""
#include <Python.h>
static PyObject *add(PyObject *self, PyObject *args) {
    long a, b;
    if (!PyArg_ParseTuple(args, "ll", &a, &b)) return NULL;
    return PyLong_FromLong(a + b);
}
static PyMethodDef methods[] = {{"add", add, METH_VARARGS, NULL}, {NULL, NULL, 0, NULL}};
static PyModuleDef_Slot slots[] = {
#ifdef Py_GIL_DISABLED
    {Py_mod_gil, Py_MOD_GIL_NOT_USED},
#endif
    {0, NULL}};
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "pbext", NULL, 0, methods, slots};
PyMODINIT_FUNC PyInit_pbext(void) { return PyModuleDef_Init(&module); }
"""


def main(work: str) -> None:
    directory = Path(work)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "pbext.c").write_text(SOURCE)
    config = sysconfig.get_config_vars()
    target = directory / ("pbext" + config["EXT_SUFFIX"])
    command = (shlex.split(config["CC"]) + shlex.split(config["CFLAGS"]) + shlex.split(config["CCSHARED"])
               + [f"-I{sysconfig.get_path('include')}", f"-I{sysconfig.get_path('platinclude')}",
                  "-c", str(directory / "pbext.c"), "-o", str(directory / "pbext.o")])
    print(" ".join(command))
    subprocess.run(command, check=True)
    link = shlex.split(config["LDSHARED"]) + [str(directory / "pbext.o"), "-o", str(target)]
    print(" ".join(link))
    subprocess.run(link, check=True)
    spec = importlib.util.spec_from_file_location("pbext", target)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.add(2, 3) == 5
    print("pbext.add(2, 3) == 5")


if __name__ == "__main__":
    main(sys.argv[1])
