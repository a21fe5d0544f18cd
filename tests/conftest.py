"Shared fixtures: the `sos-nb` command of this environment and a toy configuration that runs in seconds."
import os, subprocess, sys
from pathlib import Path
import pytest

SOS = str(Path(sys.executable).parent / 'sos-nb')
# A few iterations per stage on a few dozen images: the mechanics, not the accuracy.
TOY_KV = ['data.n_train=24', 'data.n_test=8', 'stage1.iters=3', 'stage1.batch_size=4', 'stage2.iters=3', 'stage2.batch_size=2',
          'stage3.iters=2', 'stage3.batch_labeled=2', 'stage3.batch_unlabeled=2', 'proposals.workers=1']
TOY = [x for kv in TOY_KV for x in ('--set', kv)]

def sos(*args, check=None, timeout=600, **kw):
    "Run `sos-nb args...`; returns the CompletedProcess (text)."
    env = dict(os.environ, OMP_NUM_THREADS=os.environ.get('OMP_NUM_THREADS', '2'))
    r = subprocess.run([SOS, *map(str, args)], capture_output=True, text=True, timeout=timeout, env=env, **kw)
    if check is not None: assert r.returncode == check, f"exit {r.returncode}\nstdout:\n{r.stdout[-3000:]}\nstderr:\n{r.stderr[-3000:]}"
    return r

@pytest.fixture(scope='session')
def toy_run(tmp_path_factory):
    "A finished toy run folder (shared by the tests that only read it)."
    out = tmp_path_factory.mktemp('run') / 'sos'
    sos('run', '--quiet', '--out', out, *TOY, check=0)
    return out

def snapshot(folder: Path) -> dict:
    "Path -> bytes of every file under `folder`."
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob('*')) if p.is_file()}
