"End to end: `sos-nb run` writes the run-folder contract, resumes, and its numbers can be recomputed from the files."
import json, contextlib, io, os
from pathlib import Path
import numpy as np
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval
import shutil
from conftest import sos, TOY, snapshot

def test_run_folder_contract(toy_run):
    m = json.loads((toy_run / 'metrics.json').read_text())
    assert set(m) == {'stage1', 'stage2', 'stage3', 'oracle'}
    for k, v in m.items():
        assert {'mAP', 'AP50', 'AP75', 'wall_s'} <= set(v), k
        assert (toy_run / k / 'dets_test.json').exists()
    for f in ['gt_test.json', 'config.json', 'stage1/final.pt', 'stage2/before_decay.pt', 'stage2/final.pt', 'stage3/final.pt',
              'split/split.json', 'pgf/pseudo_train.pt']:
        assert (toy_run / f).exists(), f

def test_metrics_match_pycocotools(toy_run):
    m = json.loads((toy_run / 'metrics.json').read_text())
    for stage in ('stage1', 'stage3'):
        dets = json.loads((toy_run / stage / 'dets_test.json').read_text())
        with contextlib.redirect_stdout(io.StringIO()):
            gt = COCO(str(toy_run / 'gt_test.json'))
            if not dets: continue
            e = COCOeval(gt, gt.loadRes(dets), 'bbox'); e.evaluate(); e.accumulate(); e.summarize()
        assert abs(max(e.stats[0], 0) - m[stage]['mAP']) < 1e-6
        assert abs(max(e.stats[1], 0) - m[stage]['AP50']) < 1e-6

def test_rerun_skips_finished_stages(toy_run, tmp_path):
    "`sos-nb run` on a finished folder trains nothing, prints the table and writes the report (on a copy: the toy run is shared)."
    run = tmp_path / 'copy'; shutil.copytree(toy_run, run)
    before = snapshot(run / 'stage2')
    r = sos('run', '--out', run, check=0)
    assert r.stdout.count('[done earlier]') == 6
    assert '| stage1 |' in r.stdout
    assert snapshot(run / 'stage2') == before
    assert '| stage3 |' in (run / 'report.md').read_text() and (run / 'figures' / 'detections.png').exists()

def test_eval_reproduces_the_run(toy_run):
    "`sos-nb eval` of a stage's checkpoint on the run's own test split gives the run's numbers (stage 1 needs the same proposals)."
    m = json.loads((toy_run / 'metrics.json').read_text())
    for stage in ('stage1', 'stage3'):
        res = json.loads(sos('eval', '--ckpt', toy_run / stage / 'final.pt', '--json', *TOY, check=0).stdout.strip().splitlines()[-1])
        assert abs(res['AP50'] - m[stage]['AP50']) < 1e-9 and abs(res['mAP'] - m[stage]['mAP']) < 1e-9, (stage, res, m[stage])

def test_eval_on_another_split(toy_run):
    "Another data seed is another test split: the same checkpoint scores differently there."
    r = sos('eval', '--ckpt', toy_run / 'stage1' / 'final.pt', '--json', '--set', 'data.seed=5', '--set', 'data.n_test=10', check=0)
    res = json.loads(r.stdout.strip().splitlines()[-1])
    assert abs(res['AP50'] - json.loads((toy_run / 'metrics.json').read_text())['stage1']['AP50']) > 1e-6

def test_evaluate_files(toy_run):
    r = sos('evaluate', '--gt', toy_run / 'gt_test.json', '--dets', toy_run / 'stage2' / 'dets_test.json', check=0)
    res = json.loads(r.stdout); m = json.loads((toy_run / 'metrics.json').read_text())
    assert abs(res['mAP'] - m['stage2']['mAP']) < 1e-9 and 'voc07_AP50' in res

def test_data_json():
    r = sos('data', '--split', 'test', '--json', '--set', 'data.n_test=30', check=0)
    st = json.loads(r.stdout)
    assert st['images'] == 30 and st['classes'] == 10
    assert {'mean', 'min', 'max'} <= set(st['instances_per_image']) and {'p5', 'p50', 'p95'} <= set(st['box_side'])

def test_predict_folder(toy_run, tmp_path):
    from PIL import Image
    import numpy as np
    imgs = tmp_path / 'imgs'; imgs.mkdir()
    for i in range(2): Image.fromarray((np.random.RandomState(i).rand(96, 128, 3) * 255).astype('uint8')).save(imgs / f'im{i}.png')
    out = tmp_path / 'pred'
    sos('predict', '--ckpt', toy_run / 'stage3' / 'final.pt', '--images', imgs, '--out', out, check=0)
    assert (out / 'predictions.json').exists() and (out / 'im0_dets.png').exists() and (out / 'im1_dets.png').exists()
    for d in json.loads((out / 'predictions.json').read_text()): assert d['file_name'] in ('im0.png', 'im1.png')

def test_bench(toy_run, tmp_path):
    "`sos-nb bench` prints the figures it writes to `bench.json` (on a copy: the toy run is shared)."
    run = tmp_path / 'copy'; shutil.copytree(toy_run, run)
    r = sos('bench', '--out', run, '--n-images', '4', check=0)
    b = json.loads(r.stdout)
    assert b['n_images'] == 4 and b == json.loads((run / 'bench.json').read_text())
    assert 0 < b['stage1_proposals_s_per_img'] < b['stage1_s_per_img'] and b['stage3_s_per_img'] > 0 and b['eval_speedup'] > 0

def test_branch_ablation_and_compare(toy_run, tmp_path):
    "An ablation row: `--from` reuses the unchanged steps (the source folder untouched), `--until` stops, `compare` tabulates."
    before = snapshot(toy_run)
    r = sos('run', '--from', toy_run, '--out', tmp_path / 'rand', '--set', 'split.rule=random', '--until', 'stage3', check=0)
    assert f'from {toy_run}: reusing stage1, pgf, stage2, oracle' in r.stdout
    assert 'split   wall_s' in r.stdout and 'stage3  mAP50' in r.stdout
    m, m0 = (json.loads((d / 'metrics.json').read_text()) for d in (tmp_path / 'rand', toy_run))
    assert m['stage2'] == m0['stage2'] and json.loads((tmp_path / 'rand' / 'config.json').read_text())['split']['rule'] == 'random'
    r = sos('run', '--from', toy_run, '--out', tmp_path / 's1', '--seed', '1', '--until', 'stage1', check=0)
    assert 'reusing nothing' in r.stdout and not (tmp_path / 's1' / 'pgf').exists()
    assert json.loads((tmp_path / 's1' / 'config.json').read_text())['stage1']['seed'] == 1
    assert snapshot(toy_run) == before
    r = sos('compare', f'loss={toy_run}', f'random={tmp_path}/ra*', '--step', 'stage3', check=0)
    rows = r.stdout.strip().splitlines()
    assert rows[2].startswith('| loss | 1 | ') and rows[3].startswith('| random | 1 | ')
    assert f"{m['stage3']['AP50']:.3f}" in rows[3]

def test_same_seed_same_numbers(toy_run, tmp_path):
    "A second run of the same configuration (same thread count) gives the same detections, byte for byte, and the same metrics."
    out = tmp_path / 'again'
    sos('run', '--quiet', '--out', out, *TOY, check=0)
    strip = lambda m: {s: {k: v for k, v in r.items() if k != 'wall_s'} for s, r in m.items()}
    m0, m1 = (json.loads((d / 'metrics.json').read_text()) for d in (toy_run, out))
    assert strip(m0) == strip(m1)
    for step in ('stage1', 'stage2', 'stage3', 'oracle'):
        assert (toy_run / step / 'dets_test.json').read_bytes() == (out / step / 'dets_test.json').read_bytes(), step
        assert json.loads((out / step / 'done.json').read_text())['torch_threads'] == int(os.environ.get('OMP_NUM_THREADS', '2'))   # the thread count conftest's sos() runs with

def test_keep_then_ladder(toy_run, tmp_path):
    "`keep` copies the small result files (no checkpoints); `compare --ladder` tabulates every stage from them."
    r = sos('keep', '--out', toy_run, '--to', tmp_path / 'kept', check=0)
    files = {str(p.relative_to(tmp_path / 'kept')) for p in (tmp_path / 'kept').rglob('*') if p.is_file()}
    assert {'config.json', 'metrics.json', 'stage1/done.json', 'pgf/quality.json', 'stage1/metrics.jsonl'} <= files
    assert not any(f.endswith('.pt') for f in files)
    m = json.loads((toy_run / 'metrics.json').read_text())
    r = sos('compare', '--ladder', f'toy={tmp_path}/kept', check=0)
    assert f"| stage 3 (clean/noisy split + mean teacher) | 1 | {m['stage3']['AP50']:.3f} | {m['stage3']['mAP']:.3f} |" in r.stdout
    assert '- stage3 > stage2:' in r.stdout
    assert sos('keep', '--out', tmp_path / 'none', '--to', tmp_path / 'x').returncode != 0

def test_ehsod_run_folder(tmp_path):
    "`sos-nb ehsod` writes its run-folder contract and a second call finds both variants done."
    out = tmp_path / 'ehsod'
    kv = ['data.n_train=40', 'data.n_test=6', 'iters=2', 'box_fraction=0.3']
    args = [x for a in kv for x in ('--set', a)]
    sos('ehsod', '--quiet', '--out', out, *args, check=0)
    m = json.loads((out / 'metrics.json').read_text())
    assert set(m) == {'ehsod', 'boxes_only'} and all({'mAP', 'AP50', 'AP75', 'corloc', 'wall_s'} <= set(v) for v in m.values())
    for f in ('gt_test.json', 'config.json', 'ehsod/dets_test.json', 'boxes_only/dets_test.json'): assert (out / f).exists(), f
    before = snapshot(out)
    r = sos('ehsod', '--out', out, check=0)
    assert snapshot(out) == before and '| ehsod |' in r.stdout

def test_drn_run_folder(tmp_path):
    "`sos-nb drn` writes novel/base/all metrics per variant and the novel class names; a second call is a no-op."
    out = tmp_path / 'drn'
    kv = ['data.n_train=24', 'data.n_test=8', 'proposals.workers=1', 'recognition.iters=3', 'recognition.batch_size=4', 'recognition.warmup=1',
          'joint.iters=4', 'joint.switch=2', 'joint.warmup=1', 'joint.lr_steps=3', 'joint.batch_size=2']
    args = [x for a in kv for x in ('--set', a)]
    r = sos('drn', '--quiet', '--out', out, *args, check=0)
    m = json.loads((out / 'metrics.json').read_text())
    assert m['novel_classes'] == ['5', '6', '7', '8', '9']
    for v in ('recognition_only', 'two_head', 'drn_no_scm', 'drn'):
        assert {'novel', 'base', 'all'} <= set(m[v]) and (out / v / 'dets_test.json').exists(), v
        assert f'| {v} |' in r.stdout
    before = snapshot(out)
    sos('drn', '--quiet', '--out', out, *args, check=0)
    assert snapshot(out) == before

RESULTS = Path(__file__).resolve().parent.parent / 'results'

def test_compare_ehsod_and_drn_folders():
    "`compare` reads EHSOD and DRN run folders too (the recorded ones; nothing trains): mean ± std per variant, DRN's --part, mixed kinds refused."
    mean_std = lambda v: f"{np.mean(v):.3f} ± {np.std(v, ddof=1):.3f}"
    full, nomid = sorted((RESULTS / 'ehsod/cpu-tiny-10pct').glob('seed*')), sorted((RESULTS / 'ehsod/cpu-tiny-10pct-no-mid').glob('seed*'))
    r = sos('compare', f'full={RESULTS}/ehsod/cpu-tiny-10pct/seed*', f'nomid={RESULTS}/ehsod/cpu-tiny-10pct-no-mid/seed*', check=0)
    ms = [json.loads((f / 'metrics.json').read_text()) for f in full]
    for v in ('ehsod', 'boxes_only'):
        assert f"| full | {v} | 2 | {mean_std([m[v]['AP50'] for m in ms])} | {mean_std([m[v]['mAP'] for m in ms])} |" in r.stdout, r.stdout
    assert len(nomid) == 2 and '| nomid | boxes_only | 0 | — |' in r.stdout
    drn = [RESULTS / 'drn/seed0', RESULTS / 'drn/seed1']
    ms = [json.loads((f / 'metrics.json').read_text()) for f in drn]
    for part in ('novel', 'base', 'all'):
        r = sos('compare', f'drn={drn[0]},{drn[1]}', '--step', 'two_head_scm', '--part', part, check=0)
        rows = r.stdout.strip().splitlines()
        assert rows[0] == f'| two_head_scm ({part} classes) | runs | mAP50 | mAP50:95 | mAP75 |'
        assert rows[2] == '| drn | 2 | ' + ' | '.join(mean_std([m['two_head_scm'][part][k] for m in ms]) for k in ('AP50', 'mAP', 'AP75')) + ' |'
    r = sos('compare', f'a={drn[0]}', f'b={full[0]}')
    assert r.returncode == 2 and 'no step or variant in common' in r.stderr and r.stdout == ''
    r = sos('compare', f'a={drn[0]}', '--step', 'stage3')
    assert r.returncode == 2 and "no run folder holds 'stage3'" in r.stderr

def test_own_voc_folder_end_to_end(tmp_path):
    "A VOC-format folder with its own class names (JPEGs of several sizes) trains, and `predict` and `eval` name its classes."
    from sos_nb.formats import write_voc_fixture
    from sos_nb.cli import main   # predict and eval in this process: a second and third start of torch would double the time
    import torch; torch.set_num_threads(int(os.environ.get('OMP_NUM_THREADS', '2')))   # the thread count `sos()` runs the CLI with: eval must replay the run
    root = write_voc_fixture(tmp_path / 'own', n=8, classes=['tree', 'rock', 'car'])
    sets = root / 'ImageSets' / 'Main'; (sets / 'test.txt').write_text((sets / 'train.txt').read_text())
    run = tmp_path / 'run'
    sos('run', '--quiet', '--dataset', 'voc', '--root', root, '--out', run, *TOY, '--until', 'stage1', check=0)
    names = ['car', 'rock', 'tree']   # the annotations' names, sorted
    assert [c['name'] for c in json.loads((run / 'gt_test.json').read_text())['categories']] == names
    m = json.loads((run / 'metrics.json').read_text())['stage1']
    assert list(m['per_class_AP50']) == names
    imgs = tmp_path / 'imgs'; imgs.mkdir()
    for i in (0, 1): shutil.copy(root / 'JPEGImages' / f'00000{i}.jpg', imgs)
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(['predict', '--ckpt', str(run / 'stage1' / 'final.pt'), '--images', str(imgs), '--out', str(tmp_path / 'pred'), '--score-thresh', '0']) == 0
    preds = json.loads((tmp_path / 'pred' / 'predictions.json').read_text())
    assert preds and {d['category'] for d in preds} <= set(names) and {d['file_name'] for d in preds} == {'000000.jpg', '000001.jpg'}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(['eval', '--ckpt', str(run / 'stage1' / 'final.pt'), '--dataset', 'voc', '--root', str(root), '--json', *TOY]) == 0
    res = json.loads(out.getvalue())
    assert list(res['per_class']) == names and abs(res['AP50'] - m['AP50']) < 1e-9
