"""The ``train`` command line (the training demonstration itself: tests/numeric/lab/test_train.py)."""

import os
import subprocess
import sys

import pytest
import torch

from crosscheck.commands import cli


def test_cli_train_writes_figure_and_checkpoint(tmp_path, capsys):
    out = tmp_path / "run"
    code = cli.main(["train", "--out", str(out), "--steps", "400", "--seed", "2", "--device", "cpu"])
    printed = capsys.readouterr()
    assert code == 0, printed.out + printed.err
    assert sorted(os.listdir(out)) == ["checkpoint.pt", "train.png"]          # no temporary files left
    assert (out / "train.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    saved = torch.load(out / "checkpoint.pt", weights_only=False)
    assert saved["config"]["steps"] == 400 and saved["config"]["T"] == 50
    assert "steps/s" in printed.out and "bits/dim" in printed.out and "PASS  variational bound improves" in printed.out
    assert "400/400 steps" in printed.err                                       # the progress bar


@pytest.mark.parametrize("args, message", [
    (["--steps", "0"], "--steps"),
    (["--T", "1"], "--T"),
    (["--seed", "-1"], "--seed"),
    (["--schedule", "quadratic"], "--schedule"),
    (["--schedule", "cosine", "--beta-end", "0.1"], "linear schedule only"),
    (["--beta-end", "1.5"], "--beta-end"),
    (["--stepz", "3"], "unrecognized"),
])
def test_cli_train_bad_input_is_one_line_and_exit_2(args, message, capsys, tmp_path):
    assert cli.main(["train", "--out", str(tmp_path / "x"), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not (tmp_path / "x").exists()


def test_cli_train_out_must_be_a_directory(tmp_path, capsys):
    target = tmp_path / "file.txt"
    target.write_text("keep me")
    assert cli.main(["train", "--out", str(target), "--steps", "1"]) == 2
    assert "is a file" in capsys.readouterr().err and target.read_text() == "keep me"


@pytest.mark.skipif(torch.cuda.is_available(), reason="a CUDA device is present")
def test_cli_train_cuda_without_a_gpu_is_a_usage_error():
    proc = subprocess.run([sys.executable, "-m", "crosscheck", "train", "--device", "cuda", "--steps", "1"],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "no CUDA device" in proc.stderr and "Traceback" not in proc.stderr
