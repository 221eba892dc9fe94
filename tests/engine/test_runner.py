"""runner.run against the fake engine: what a step meets before any container runs."""

from __future__ import annotations

import pytest

from tasks.engine import runner
from tasks.errors import UserError
from tests.fake_docker import FakeEngine


def test_a_build_image_the_engine_lacks_is_one_line_with_the_fix(tmp_path):
    step = runner.Step(name="configure:3.14.7-trixie", image="python-builder/build-trixie:abc",
                       command=("true",), log=tmp_path / "logs" / "configure.log", project_id="p")
    with pytest.raises(UserError) as error:
        runner.run(step, FakeEngine())
    assert str(error.value) == (
        "configure:3.14.7-trixie: image python-builder/build-trixie:abc is not on this Docker engine (removed "
        "since it was built, or DOCKER_HOST names another engine now); run `doit forget image` and doit again to "
        "build it there")
