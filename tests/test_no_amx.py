"""The AMX guard of the local server (handbook.llm.no_amx), each case in a fresh process (a filter is for life)."""

import subprocess
import sys

import pytest

from handbook.llm import no_amx

PROBE = """
import ctypes, sys
from handbook.llm.no_amx import refuse_amx
installed = refuse_amx()
libc = ctypes.CDLL(None, use_errno=True)
rc = libc.syscall(158, 0x1023, 18)  # arch_prctl(ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA)
print(installed, rc, ctypes.get_errno(), libc.syscall(39) > 0)  # 39: getpid, still allowed
"""


def probe(env_extra: dict[str, str]) -> list[str]:
    import os

    env = {**os.environ, **env_extra}
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, check=True)
    return out.stdout.split()


def test_the_filter_is_nine_bpf_instructions():
    assert len(no_amx._filter()) == 9 * 8


@pytest.mark.skipif(not no_amx.has_amx(), reason="this CPU has no AMX: refuse_amx() does nothing here")
@pytest.mark.parametrize(("env", "expected"), [
    ({}, ["True", "-1", "1", "True"]),                       # refused with EPERM; other calls allowed
    ({"HANDBOOK_ALLOW_AMX": "1"}, ["False", "0", "0", "True"]),  # opted out: the kernel grants AMX
])
def test_refuse_amx(env, expected):
    assert probe(env) == expected


@pytest.mark.skipif(no_amx.has_amx(), reason="this CPU has AMX")
def test_nothing_to_do_without_amx():
    assert probe({})[0] == "False"
