"""Scores of a real stage-1 recognition head (`sos_nb.wsod.WSODNet`, OICR-style MIL head on proposals) for `nbs/51_scm.ipynb`.

Trains `WSODNet` with the cpu-tiny defaults (`ITERS` = 700 iterations, diagnostics off) on the weakly labelled DigitScenes train split,
then keeps, for each of the first `N_TRAIN` train images and all test images, the top `TOP` proposals of every class
present in the image (image labels only: no truth is read). Saved as `wsod_scores.pt`:
`{'train'|'test': [{'image_id', 'boxes' int16 [K,4], 'classes' int8 [P], 'scores' float16 [K,P]}]}` (P = present classes), plus the config and wall time.
Run: `PYTHONPATH=. OMP_NUM_THREADS=1 python results/scm/make_wsod_scores.py` (about 10-20 min on one CPU core).
"""
import json, sys, time
from pathlib import Path
import torch
from sos_nb.core import cfg_to_dict
from sos_nb.data import DataConfig, DigitScenes, WeakLabels
from sos_nb.proposals import ProposalConfig, compute_proposals
from sos_nb.wsod import WSODConfig, train_wsod, predict_wsod

ITERS, N_TRAIN, TOP = int(sys.argv[1]) if len(sys.argv) > 1 else 700, 600, 15
out = Path(__file__).parent
torch.set_num_threads(1); t0 = time.time()
tr, te = DigitScenes(DataConfig(), 'train'), DigitScenes(DataConfig(), 'test')
pc = ProposalConfig(workers=1)
ptr = compute_proposals(tr, pc, progress=False); pte = compute_proposals(te, pc, progress=False)
print('proposals', time.time() - t0, flush=True)
cfg = WSODConfig(iters=ITERS, diag_every=0)
model = train_wsod(cfg, WeakLabels(tr), ptr, out_dir=None, progress=True)
print('trained', time.time() - t0, flush=True)

def keep(ds, props, n):
    "Top `TOP` proposals of each present class, as compact tensors."
    sub = torch.utils.data.Subset(WeakLabels(ds), range(n)); res = predict_wsod(model, sub, props[:n])
    rows = []
    for i, r in enumerate(res):
        present = ds.gt(i)['labels_img'].nonzero().flatten()
        idx = torch.unique(torch.cat([r['scores'][:, c].topk(min(TOP, len(r['scores']))).indices for c in present]))
        rows.append({'image_id': i, 'boxes': r['proposals'][idx].round().to(torch.int16), 'classes': present.to(torch.int8),
                     'scores': r['scores'][idx][:, present].half()})
    return rows

data = {'train': keep(tr, ptr, N_TRAIN), 'test': keep(te, pte, len(te)),
        'cfg': cfg_to_dict(cfg), 'data': cfg_to_dict(DataConfig()), 'top': TOP, 'wall_s': round(time.time() - t0)}
torch.save(data, out / 'wsod_scores.pt')
print('saved', time.time() - t0, flush=True)
