"`torchrun -m sos_nb` with two gloo processes runs the toy pipeline: one writer, every step done, checkpoints that load in one process, stage 1 (weights, sharded predictions) as in one process."
import json, os, subprocess, sys
import torch
from conftest import TOY

def test_torchrun_two_processes(tmp_path, toy_run):
    out = tmp_path / 'run'
    r = subprocess.run([sys.executable, '-m', 'torch.distributed.run', '--standalone', '--nproc_per_node=2', '-m', 'sos_nb', 'run', '--quiet',
                        '--out', str(out), *TOY], capture_output=True, text=True, timeout=600, env=dict(os.environ, OMP_NUM_THREADS='1'))
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.count('| stage1 |') == 1                      # rank 0 alone reports
    assert set(json.loads((out / 'metrics.json').read_text())) == {'stage1', 'stage2', 'stage3', 'oracle'}
    for s in ('stage1', 'stage2', 'stage3', 'oracle'):             # one writer: each logged iteration once
        its = [json.loads(l)['iter'] for l in (out / s / 'metrics.jsonl').read_text().splitlines()]
        assert len(its) == len(set(its)) > 0
    assert not list(out.rglob('*.tmp'))
    from sos_nb.fsod import load_fsod
    from sos_nb.wsod import load_wsod
    load_fsod(out / 'stage3' / 'final.pt')                         # a two-process checkpoint loads in one process
    two, one = load_wsod(out / 'stage1' / 'final.pt').state_dict(), load_wsod(toy_run / 'stage1' / 'final.pt').state_dict()
    # the same global batches: stage 1 differs from the one-process run by float rounding only (measured 5e-5)
    assert max((two[k].float() - one[k].float()).abs().max().item() for k in one) < 1e-3
    # its predictions were sharded over the two ranks and gathered in order: the same AP as one process
    m2, m1 = (json.loads((f / 'metrics.json').read_text())['stage1']['AP50'] for f in (out, toy_run))
    assert abs(m2 - m1) < 0.01
