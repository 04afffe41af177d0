"""The batching class server's command line (chapter 7): unit tests, no model needed."""

import pytest

from handbook.llm import batch_server


@pytest.mark.parametrize("parallel, ctx, key, reuse, want, absent", [
    (8, 4096, None, 0, ["--parallel", "8", "--ctx-size", "32768", "--cont-batching", "--flash-attn"],
     ["--api-key", "--cache-reuse"]),
    (2, 2048, "k1", 0, ["--parallel", "2", "--ctx-size", "4096", "--api-key", "k1"], ["--cache-reuse"]),
    (4, 1024, None, 256, ["--cache-reuse", "256", "--ctx-size", "4096"], ["--api-key"]),
])
def test_command(parallel, ctx, key, reuse, want, absent):
    cmd = batch_server.command("/m.gguf", alias="qwen", port=8799, parallel=parallel, ctx=ctx, threads=2,
                               api_key=key, cache_reuse=reuse)
    joined = " ".join(cmd)
    assert " ".join(want[:2]) in joined and all(w in cmd for w in want)
    assert not any(a in cmd for a in absent)
    assert cmd[cmd.index("--port") + 1] == "8799" and cmd[0].endswith("llama-server")


@pytest.mark.parametrize("parallel", [0, -1])
def test_bad_parallel(parallel):
    with pytest.raises(ValueError):
        batch_server.command("/m.gguf", alias="q", port=1, parallel=parallel, ctx=1, threads=1)


def test_binary_override(monkeypatch, tmp_path):
    monkeypatch.setenv("HANDBOOK_LLAMA_SERVER", str(tmp_path / "ls"))
    assert batch_server.binary() == tmp_path / "ls"


@pytest.mark.parametrize("port, folder", [(8765, "server"), (8770, "server-8770"), (9000, "server-9000")])
def test_state_folder_per_port(tmp_path, port, folder):
    """A second server on another port keeps its own pid file (it never overwrites 8765's)."""
    from handbook import config
    from handbook.llm import server

    cfg = config.local_settings(port, env={"HANDBOOK_HOME": str(tmp_path)})
    assert server._dir(cfg) == tmp_path / folder
