"""The two interpreters a build makes, as one value each: its name, the suffix of its steps, of its ABI and
executables, and the label of its validate facts. Every "is this the free-threaded one?" asks this."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Variant:
    name: str  # build trees, manifest keys, install.sh's argument: default, freethreaded
    step_suffix: str  # doit steps: configure, configure_ft
    abi_suffix: str  # sys.abiflags, executables and lib/ directories: python3.14, python3.14t
    facts_label: str  # what validate.sh names its files: facts-main.json, smoke-ft.log

    def step(self, step: str) -> str:
        """This variant's doit step of a family: step("compile") -> compile or compile_ft."""
        return step + self.step_suffix

    def interpreter(self, major_minor: str) -> str:
        """Its interpreter's name: python3.14 or python3.14t."""
        return f"python{major_minor}{self.abi_suffix}"

    def __str__(self) -> str:
        return self.name


DEFAULT = Variant(name="default", step_suffix="", abi_suffix="", facts_label="main")
FREETHREADED = Variant(name="freethreaded", step_suffix="_ft", abi_suffix="t", facts_label="ft")
ALL = (DEFAULT, FREETHREADED)
