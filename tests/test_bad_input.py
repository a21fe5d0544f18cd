"Bad input gets one clear line on stderr and a non-zero exit, and never damages what a run folder already holds."
import shutil
from conftest import sos, TOY, snapshot

def _one_line_error(r, *needles):
    assert r.returncode == 2, (r.returncode, r.stdout[-2000:], r.stderr[-2000:])
    lines = [l for l in r.stderr.strip().splitlines() if l.strip()]
    assert len(lines) == 1 and lines[0].startswith('sos-nb: error: '), r.stderr
    for n in needles: assert n in lines[0], (n, lines[0])

def test_unknown_preset():
    _one_line_error(sos('run', '--preset', 'cpu-huge', '--out', '/tmp/never'), "unknown preset 'cpu-huge'")

def test_unknown_key_and_bad_value():
    _one_line_error(sos('data', '--set', 'stage1.itres=5'), 'unknown config key', 'stage1.itres')
    _one_line_error(sos('data', '--set', 'data.n_train=many'), 'bad value for data.n_train')

def test_wrong_dataset_root(tmp_path):
    _one_line_error(sos('data', '--dataset', 'voc', '--root', tmp_path / 'nope'), 'nope', 'no such folder')

def test_voc_folder_without_split_file(tmp_path):
    (tmp_path / 'Annotations').mkdir(); (tmp_path / 'JPEGImages').mkdir()
    _one_line_error(sos('data', '--dataset', 'voc', '--root', tmp_path), 'trainval')

def test_class_without_images(tmp_path):
    "A folder's own class names are always covered; asking for VOC's 20 on four images is refused before training."
    from sos_nb.formats import write_voc_fixture, VOC_CLASSES
    root = write_voc_fixture(tmp_path / 'voc', n=4)
    sets = root / 'ImageSets' / 'Main'; (sets / 'test.txt').write_text((sets / 'trainval.txt').read_text())
    _one_line_error(sos('stage1', '--dataset', 'voc', '--root', root, '--out', tmp_path / 'run', *TOY, '--set', f"data.classes={','.join(VOC_CLASSES)}"),
                    'no training image has class(es) aeroplane')

def test_predict_empty_folder(tmp_path, toy_run):
    (tmp_path / 'empty').mkdir()
    _one_line_error(sos('predict', '--ckpt', toy_run / 'stage3' / 'final.pt', '--images', tmp_path / 'empty', '--out', tmp_path / 'o'),
                    'empty', 'no images')

def test_missing_and_truncated_checkpoints(tmp_path, toy_run):
    _one_line_error(sos('eval', '--ckpt', tmp_path / 'nope.pt'), 'nope.pt', 'not found')
    bad = tmp_path / 'trunc.pt'; bad.write_bytes((toy_run / 'stage2' / 'final.pt').read_bytes()[:5000])
    _one_line_error(sos('eval', '--ckpt', bad), 'trunc.pt', 'truncated or corrupt')
    _one_line_error(sos('eval', '--ckpt', toy_run / 'pgf' / 'pseudo_train.pt'), 'pseudo_train.pt', 'not a detector')
    junk = tmp_path / 'junk.pt'; junk.write_text('hello')
    _one_line_error(sos('eval', '--ckpt', junk), 'junk.pt')

def test_step_before_its_inputs(tmp_path):
    _one_line_error(sos('stage2', '--out', tmp_path / 'fresh', *TOY), "needs 'pgf' first")

def test_failures_leave_run_folder_intact(toy_run, tmp_path):
    run = tmp_path / 'copy'; shutil.copytree(toy_run, run)
    before = snapshot(run)
    _one_line_error(sos('run', '--out', run, '--preset', 'cpu-tiny', '--set', 'stage1.iters=999'), 'another configuration')
    _one_line_error(sos('run', '--out', run, '--set', 'nope=1'), 'unknown config key')
    _one_line_error(sos('eval', '--ckpt', run / 'nope.pt'), 'not found')
    assert snapshot(run) == before
