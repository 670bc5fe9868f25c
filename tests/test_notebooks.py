"Every chapter is a test: run each notebook under nbs/ with papermill at smoke size (`run_chapter`)."
import json
from pathlib import Path
import pytest
from sagestudy.core.testing import run_chapter

NBS = Path(__file__).resolve().parent.parent/'nbs'

def _has_code(p: Path) -> bool:
    return any(c['cell_type'] == 'code' and ''.join(c['source']).strip() for c in json.loads(p.read_text())['cells'])

def _notebooks():
    for p in sorted(NBS.rglob('*.ipynb')):
        rel = p.relative_to(NBS)
        if '.ipynb_checkpoints' in rel.parts or any(o.startswith('_') for o in rel.parts): continue
        if rel == Path('index.ipynb') and not _has_code(p): continue
        yield rel

@pytest.mark.parametrize("rel", list(_notebooks()), ids=str)
def test_notebook(rel, artifacts):
    run_chapter(NBS/rel, output_path=artifacts/'notebooks'/rel)
