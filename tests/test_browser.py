"""End to end: JupyterLab in headless Chromium runs a chapter, and moving an explorer's slider redraws its plot.

Needs Debian's Chromium at /usr/bin/chromium (`make chromium`); set SAGESTUDY_SKIP_BROWSER=1 to skip."""
import json, os, shutil, signal, socket, subprocess, sys, tempfile, time, urllib.request
from contextlib import contextmanager
from pathlib import Path
import nbformat, pytest

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group('browser')]   # one lab at a time: `--dist loadgroup`

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = '/usr/bin/chromium'
ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync']
TOKEN = 'sagestudy-browser-test'
# User settings for the lab: no news or update checks (the network is closed), start the default kernel without asking
# (our notebooks carry no kernelspec), and keep every cell in the DOM.
SETTINGS = {'@jupyterlab/apputils-extension/notification': {'fetchNews': 'false', 'checkForUpdates': False},
            '@jupyterlab/notebook-extension/tracker': {'autoStartDefaultKernel': True, 'windowingMode': 'none'}}

def need_chromium():
    "Skip when asked to; otherwise a missing browser is a failure, not a silent skip"
    if os.environ.get('SAGESTUDY_SKIP_BROWSER') == '1': pytest.skip('SAGESTUDY_SKIP_BROWSER=1')
    if not Path(CHROMIUM).exists(): pytest.fail(f'{CHROMIUM} not found: run `make chromium` (or set SAGESTUDY_SKIP_BROWSER=1)')

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]

@contextmanager
def jupyter_lab(root_dir: Path, log_path: Path):
    "A JupyterLab server on a free port serving `root_dir`, with IN_TEST=1 so notebooks run at smoke size; yields its URL"
    port, tmp = _free_port(), Path(tempfile.mkdtemp(prefix='lab-'))
    for name, s in SETTINGS.items():
        (tmp/'settings'/name).parent.mkdir(parents=True, exist_ok=True)
        (tmp/'settings'/f'{name}.jupyterlab-settings').write_text(json.dumps(s))
    cmd = [sys.executable, '-m', 'jupyter', 'lab', '--no-browser', '--allow-root', '--ip=127.0.0.1', f'--port={port}',
           f'--IdentityProvider.token={TOKEN}', f'--ServerApp.root_dir={root_dir}', '--LabApp.expose_app_in_browser=True',
           '--LabApp.news_url=None', '--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate',
           '--LabApp.extension_manager=readonly', f'--LabApp.user_settings_dir={tmp/"settings"}',
           f'--LabApp.workspaces_dir={tmp/"workspaces"}']
    env = {**os.environ, 'IN_TEST': '1', 'JUPYTER_CONFIG_DIR': str(tmp/'config'), 'JUPYTER_RUNTIME_DIR': str(tmp/'runtime')}
    log = open(log_path, 'w')
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    url = f'http://127.0.0.1:{port}'
    try:
        for _ in range(120):
            if proc.poll() is not None: raise RuntimeError(f'jupyter lab exited:\n{log_path.read_text()[-3000:]}')
            try:
                urllib.request.urlopen(f'{url}/api/status?token={TOKEN}', timeout=2)
                break
            except OSError: time.sleep(0.5)
        else: raise RuntimeError(f'jupyter lab did not answer in 60 s:\n{log_path.read_text()[-3000:]}')
        yield url
    finally:
        proc.terminate()
        try: proc.wait(15)
        except subprocess.TimeoutExpired: pass
        try: os.killpg(proc.pid, signal.SIGKILL)   # kernels the server left behind (its session only)
        except ProcessLookupError: pass
        log.close()
        shutil.rmtree(tmp, ignore_errors=True)

# Polled in the page: 'done' once every non-empty code cell has run and the kernel is idle, or the first error.
_RUN_STATE = """() => {
  const w = window.jupyterapp.shell.currentWidget, cells = w.content.model.cells;
  for (let i = 0; i < cells.length; i++) {
    const c = cells.get(i);
    if (c.type !== 'code') continue;
    for (let j = 0; j < c.outputs.length; j++) {
      const o = c.outputs.get(j);
      if (o.type === 'error') return `cell ${i} (${c.sharedModel.getSource().split('\\n')[0]}): ${o.toJSON().ename}: ${o.toJSON().evalue}`;
    }
    if (c.sharedModel.getSource().trim() && c.executionCount == null) return false;
  }
  return w.sessionContext.session.kernel.status === 'idle' ? 'done' : false;
}"""

def run_explorer(lab_url: str, notebook: str, description: str, screenshot: Path, timeout_s: float = 150):
    "Open `notebook` in JupyterLab, Run All, then nudge the slider labelled `description` and check the plot redraws"
    from playwright.sync_api import sync_playwright, expect
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = browser.new_page(viewport={'width': 1400, 'height': 1000})
        try:
            page.goto(f'{lab_url}/lab/tree/{notebook}?token={TOKEN}')
            page.wait_for_function(f"""() => {{ const w = window.jupyterapp?.shell.currentWidget;
                return w?.context?.path === {json.dumps(notebook)} && w.sessionContext.session?.kernel?.status === 'idle' }}""",
                timeout=60_000)
            page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells') }")
            state = page.wait_for_function(_RUN_STATE, timeout=timeout_s*1000, polling=500).json_value()
            assert state == 'done', f'{notebook}: Run All failed at {state}'
            explorer = page.locator('.widget-interact').filter(
                has=page.locator(f'.widget-label:text-is("{description}")')).first
            img = explorer.locator('.jp-OutputArea-output img').first
            expect(img).to_be_visible(timeout=30_000)
            explorer.scroll_into_view_if_needed()
            before = img.get_attribute('src')
            slider = explorer.locator('.widget-slider, .widget-hslider').filter(
                has=page.locator(f'.widget-label:text-is("{description}")')).first
            readout, handle = slider.locator('.widget-readout'), slider.locator('.noUi-handle').first
            value = readout.inner_text()
            handle.focus()
            for key in ('ArrowLeft', 'ArrowRight'):   # down a few steps; at the minimum, up instead
                for _ in range(3): handle.press(key)
                if readout.inner_text() != value: break
            assert readout.inner_text() != value, f'the {description!r} slider did not move from {value}'
            try: expect(img).not_to_have_attribute('src', before, timeout=60_000)
            except AssertionError:
                raise AssertionError(f'{notebook}: the plot did not change within 60 s of moving {description!r} '
                                     f'from {value} to {readout.inner_text()}') from None
            assert img.get_attribute('src').startswith('data:image/png;base64,')
            explorer.screenshot(path=str(screenshot))
        except Exception:
            page.screenshot(path=str(screenshot.with_name(screenshot.stem + '_failure.png')), full_page=True)
            raise
        finally: browser.close()

DUMMY = """\
import numpy as np, matplotlib.pyplot as plt
from ipywidgets import interactive, FloatLogSlider, IntSlider
def plot_line(learning_rate=0.1, epochs=3):
    x = np.linspace(0, 1, 50)
    plt.figure(figsize=(3, 2)); plt.plot(x, learning_rate * x * epochs); plt.title(f'learning_rate={learning_rate:.3g}'); plt.show()
interactive(plot_line, learning_rate=FloatLogSlider(0.1, min=-3, max=0, description='learning_rate', continuous_update=False),
            epochs=IntSlider(3, 1, 10, description='epochs', continuous_update=False))"""

@pytest.fixture
def lab_root():
    "A copy of nbs/ to serve, so a run never touches the repository's notebooks"
    with tempfile.TemporaryDirectory() as d:
        root = Path(d)/'nbs'
        shutil.copytree(ROOT/'nbs', root, ignore=shutil.ignore_patterns('.ipynb_checkpoints'))
        yield root

def test_explorer_mechanism(lab_root, artifacts):
    "The mechanism on a generated notebook: Run All, move `learning_rate`, the PNG changes"
    need_chromium()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import os\nSMOKE = 'IN_TEST' in os.environ"),
                                         nbformat.v4.new_code_cell(DUMMY)])
    nbformat.write(nb, lab_root/'_browser_dummy.ipynb')
    with jupyter_lab(lab_root, artifacts/'browser_dummy_server.log') as url:
        run_explorer(url, '_browser_dummy.ipynb', 'learning_rate', artifacts/'browser_dummy.png', timeout_s=60)

LINEAR_LEARNER = '10_supervised/11_linear_learner.ipynb'

@pytest.mark.skipif(not (ROOT/'nbs'/LINEAR_LEARNER).exists(), reason=f'nbs/{LINEAR_LEARNER} does not exist yet')
def test_linear_learner_explorer(lab_root, artifacts):
    "The Linear Learner chapter runs in JupyterLab, and its explorer retrains when `learning_rate` moves"
    need_chromium()
    with jupyter_lab(lab_root, artifacts/'browser_explorer_server.log') as url:
        run_explorer(url, LINEAR_LEARNER, 'learning_rate', artifacts/'browser_explorer.png')
