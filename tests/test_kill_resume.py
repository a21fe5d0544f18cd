"`kill -9` in the middle of training loses at most the work since the last checkpoint, and the next run finishes."
import json, os, signal, subprocess, time
from conftest import SOS, TOY

def test_kill9_then_resume(tmp_path):
    out = tmp_path / 'run'
    args = [*TOY, *(x for a in ('stage1.iters=40', 'stage1.ckpt_every=5', 'stage1.log_every=5') for x in ('--set', a))]
    p = subprocess.Popen([SOS, 'run', '--quiet', '--out', str(out), *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ck = out / 'stage1' / 'last.pt'
    t0 = time.time()
    while not ck.exists() and time.time() - t0 < 300 and p.poll() is None: time.sleep(0.2)
    assert ck.exists(), 'no stage-1 checkpoint appeared'
    p.send_signal(signal.SIGKILL); p.wait()
    assert not (out / 'stage1' / 'done.json').exists()
    from sos_nb.core import load_checkpoint
    it = load_checkpoint(ck, 'wsod')['state']['iter']
    assert 0 < it < 40
    r = subprocess.run([SOS, 'run', '--out', str(out), *args], capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    rows = [json.loads(l) for l in (out / 'stage1' / 'metrics.jsonl').read_text().splitlines() if l.strip().startswith('{')]
    assert rows[-1]['iter'] == 40
    assert sum(r['iter'] == 5 for r in rows) == 1     # resumed from the checkpoint: the early iterations never ran twice
    assert set(json.loads((out / 'metrics.json').read_text())) == {'stage1', 'stage2', 'stage3', 'oracle'}
    assert not list(out.rglob('*.tmp'))
