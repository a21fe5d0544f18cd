"Shared fixtures: the `sos-nb` command of this environment and the toy run the notebooks share."
import os, subprocess, sys
from pathlib import Path
import pytest

SOS = str(Path(sys.executable).parent / 'sos-nb')
TOY = ['--preset', 'toy']   # a few iterations per stage on a few dozen images: the mechanics, not the accuracy

def sos(*args, check=None, timeout=600, **kw):
    "Run `sos-nb args...`; returns the CompletedProcess (text)."
    env = dict(os.environ, OMP_NUM_THREADS=os.environ.get('OMP_NUM_THREADS', '2'))
    r = subprocess.run([SOS, *map(str, args)], capture_output=True, text=True, timeout=timeout, env=env, **kw)
    if check is not None: assert r.returncode == check, f"exit {r.returncode}\nstdout:\n{r.stdout[-3000:]}\nstderr:\n{r.stderr[-3000:]}"
    return r

@pytest.fixture(scope='session')
def toy_run():
    "The finished toy run folder that the notebooks share (`sos_nb.pipeline.toy_run`), made here if none exists for this code."
    import torch
    from sos_nb.pipeline import toy_run as shared
    torch.set_num_threads(int(os.environ.get('OMP_NUM_THREADS', '2')))   # the thread count `sos()` runs the CLI with
    return shared()

def snapshot(folder: Path) -> dict:
    "Path -> bytes of every file under `folder`."
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob('*')) if p.is_file()}
