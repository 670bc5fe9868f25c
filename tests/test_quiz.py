"""Study mode: every quiz question is checked against the catalog by rules written here, independently of
the generator; pointers resolve; the widget and the terminal quiz work headless; the mock exam is seeded."""
import json, re, shutil, subprocess, sys
from functools import lru_cache
from pathlib import Path
import pytest
from sagestudy.core import catalog
from sagestudy.study import quiz as Q

ROOT = Path(__file__).resolve().parent.parent
NBS = ROOT/'nbs'

@lru_cache(None)
def _all(): return tuple(Q.all_questions())

def _generated(): return [q for q in _all() if q.fact]

def _spec(title_or_name): return catalog.get(title_or_name)

# --- the truth of one choice, from the catalog, by rules written independently of the generator ---

def _train(spec): return spec.channel('train')

def _modes_of(choice:str)->set:
    return {'File and Pipe': {'File', 'Pipe'}, 'File only': {'File'}, 'Pipe only': {'Pipe'}}[choice]

def _processors_of(choice:str)->set:
    return {w.lower() for w in re.findall(r'\b(CPU|GPU)\b', choice)}

def _examples(spec):
    tops, fields = set(), set()
    for ex in spec.inference.examples.values():
        if isinstance(ex, list): tops.add(None); recs = ex
        else: tops |= set(ex); recs = [r for v in ex.values() for r in (v if isinstance(v, list) else [v])]
        fields |= {k for r in recs if isinstance(r, dict) for k in r}
    return tops, fields

def _quoted(stem:str)->str: return re.search(r'“(.*)”', stem).group(1)
def _ticked(stem:str)->str: return re.search(r'`([^`]+)`', stem.split('?')[0].replace('`train`', '')).group(1)

def _property(key:str, s)->bool:
    i, modes = s.instances, tuple(_train(s).input_modes) if s.channels else ()
    types = _train(s).content_types if s.channels else ()
    rules = {'gpu_only_training': set(i.training) == {'gpu'}, 'cpu_only_training': set(i.training) == {'cpu'},
             'cpu_only_inference': set(i.inference) == {'cpu'}, 'single_instance': i.multi_instance is False,
             'one_gpu': 'gpu' in i.training and i.multi_gpu is False, 'file_only': modes == ('File',),
             'no_csv': bool(s.channels) and 'text/csv' not in types, 'csv': 'text/csv' in types,
             'unsupervised': s.learning == 'unsupervised', 'supervised': s.learning == 'supervised'}
    if key in ('supervised', 'unsupervised') and s.learning == 'unsupervised' and any('classifier' in p for p in s.problem_types):
        return None   # arguable either way (BlazingText's supervised mode): must never be a choice
    if key.startswith('metric:'): return key[7:] in [m.name for m in s.metrics]
    if key.startswith('field:'): return key[6:] in _examples(s)[1]
    return rules[key]

def is_true(q, choice:str)->bool:
    "Whether `choice` is a true answer to generated question `q`, under the catalog"
    kind, name = q.fact[0], q.fact[1]
    s = catalog.get(name)
    if kind == 'learning':
        if s.learning == 'unsupervised' and any('classifier' in p for p in s.problem_types): return None
        return choice == s.learning
    if kind == 'train_type': return choice in _train(s).content_types
    if kind == 'train_type_not': return choice not in _train(s).content_types
    if kind == 'request_type': return choice in s.inference.request_types
    if kind == 'train_modes': return _modes_of(choice) == set(_train(s).input_modes)
    if kind == 'required': return choice in s.hp and s.hp[choice].required
    if kind == 'required_when':
        h = s.hp.get(choice)
        return bool(h and h.required_when) and all(k in q.stem for k in h.required_when)
    if kind == 'purpose': return choice in s.hp and s.hp[choice].doc == _quoted(q.stem)
    if kind == 'owner': return _ticked(q.stem) in _spec(choice).hp
    if kind == 'metric':
        tunable = [m.name for m in s.metrics if m.tunable]
        return choice in tunable or (not tunable and choice.startswith('None'))
    if kind == 'direction': return s.metric(_ticked(q.stem)).direction == choice
    if kind == 'train_processor': return _processors_of(choice) == set(s.instances.training)
    if kind == 'inference_processor': return _processors_of(choice) == set(s.instances.inference)
    if kind == 'multi_instance': return choice.startswith('Yes') == s.instances.multi_instance
    if kind == 'multi_gpu': return ('every GPU' in choice) == s.instances.multi_gpu
    if kind == 'response_top':
        tops = _examples(s)[0]
        return (choice.strip('"') in tops) if choice.startswith('"') else (None in tops)
    if kind == 'response_field': return choice in _examples(s)[1]
    if kind == 'property': return _property(q.fact[2], _spec(choice))
    raise AssertionError(f'no independent rule for question kind {kind!r}')

# --- tests ---

def test_at_least_300_distinct_questions():
    qs = _all()
    assert len(qs) >= 300
    assert len({q.qid for q in qs}) == len(qs), 'two questions share a stem and an answer'
    assert len({(q.stem, frozenset(q.choices)) for q in qs}) == len(qs), 'duplicate question'

def test_every_generated_question_has_exactly_one_true_choice():
    bad = []
    for q in _generated():
        verdicts = [is_true(q, c) for c in q.choices]
        truths = [c for c, v in zip(q.choices, verdicts) if v]
        if truths != [q.correct] or None in verdicts: bad.append((q.fact, q.stem, q.choices, truths))
    assert not bad, f'{len(bad)} questions with a wrong key or a true distractor, e.g. {bad[:3]}'

def test_every_kind_and_algorithm_is_covered():
    kinds = {q.fact[0] for q in _generated()}
    assert {'learning', 'train_type', 'request_type', 'train_modes', 'required', 'purpose', 'owner', 'metric', 'direction',
            'train_processor', 'inference_processor', 'multi_instance', 'response_top', 'response_field', 'property'} <= kinds
    assert {q.topic for q in _all()} >= set(catalog.names())
    owners = {q.fact[2] for q in _generated() if q.fact[0] == 'owner'}
    assert {'wd', 'l1', 'scale_pos_weight', 'context_length', 'num_factors', 'extra_center_factor'} <= owners

def test_purpose_questions_never_offer_an_alias_or_leak_the_name():
    for q in _generated():
        if q.fact[0] != 'purpose': continue
        s = catalog.get(q.fact[1])
        assert not any(s.hp[c].doc.startswith('alias') for c in q.choices), q
        assert q.correct not in _quoted(q.stem), q

def test_look_alikes_are_told_apart():
    "The confusable pairs meet in at least one question each"
    pairs = [('lda', 'ntm'), ('knn', 'kmeans'), ('object2vec', 'blazingtext'), ('randomcutforest', 'ipinsights'),
             ('linear-learner', 'xgboost')]
    for a, b in pairs:
        ta, tb = catalog.get(a).title, catalog.get(b).title
        assert any({ta, tb} <= set(q.choices) for q in _all()), (a, b)

def test_the_longest_choice_is_no_giveaway():
    "Picking the longest choice must not beat chance by much (a sign that right answers carry their reasons)"
    for sub in (list(_all()), [q for q in _all() if not q.fact]):
        chance = sum(1 / len(q.choices) for q in sub) / len(sub)
        longest = sum(max(range(len(q.choices)), key=lambda i: len(q.choices[i])) == q.answer for q in sub) / len(sub)
        assert longest < chance + 0.08, (round(chance, 3), round(longest, 3))

def test_questions_are_well_formed():
    for q in _all():
        assert 2 <= len(q.choices) <= 4 and len(set(q.choices)) == len(q.choices), q
        assert 0 <= q.answer < len(q.choices) and q.explanation.strip(), q
        assert q.domain in Q.DOMAINS, q
    assert {q.domain for q in _all()} == set(Q.DOMAINS)

@lru_cache(None)
def _cell_ids(nb:str)->frozenset:
    return frozenset(c.get('id') for c in json.loads((NBS/nb).read_text())['cells'])

def test_every_pointer_resolves_to_a_cell():
    missing = [(q.topic, q.pointer) for q in _all() if not (NBS/q.pointer[0]).exists() or q.pointer[1] not in _cell_ids(q.pointer[0])]
    assert not missing, f'{len(missing)} pointers to no cell, e.g. {missing[:5]}'

def test_every_chapter_topic_has_scenarios():
    assert set(Q.SCENARIOS) == set(Q.CHAPTERS)
    for topic in Q.SCENARIOS: assert len(Q.questions(topic)) >= 2, topic

def test_widget_flow_headless():
    qs = Q.questions('forecasting-deepar', 3, seed=2)
    w = Q.QuizWidget(qs)
    w.check.click(); assert w.score == Q.Score(0, 0)              # nothing selected: nothing counted
    w.choices.value = w.choices.options[qs[0].answer]; w.check.click(); w.check.click()
    assert (w.score.right, w.score.answered) == (1, 1)          # a second click does not count again
    assert qs[0].explanation.split('.')[0][:20] in __import__('html').unescape(w.feedback.value)
    w.next.click()
    w.choices.value = w.choices.options[(qs[1].answer + 1) % len(qs[1].choices)]; w.check.click()
    assert (w.score.right, w.score.answered) == (1, 2) and w.results == {0: True, 1: False}
    assert 'Score: 1/2' in w.tally.value

def test_static_rendering_folds_the_answers():
    qs = Q.chapter_questions('clarify-posttraining', 4)
    h = Q.render_html(qs)
    before, after = h.split('<details>')
    assert all(q.stem.split(',')[0] in __import__('html').unescape(before) for q in qs)
    assert all(__import__('html').escape(q.correct) in after for q in qs)

def _piped(qs, wrong_at=()):
    return [q.letters[(q.answer + (1 if i in wrong_at else 0)) % len(q.choices)] for i, q in enumerate(qs)]

def test_terminal_flow_with_piped_answers():
    qs = Q.questions('kmeans', 3, seed=5)
    answers, out = iter(['?', *_piped(qs, wrong_at={1})]), []
    assert Q.run_terminal('kmeans', 3, seed=5, input=lambda _: next(answers), print=out.append) == 0
    assert out[-1].strip() == 'score 2/3 (67%)'
    assert any('answer with one of' in o for o in out)
    def ends(_): raise EOFError
    assert Q.run_terminal('K-Means', 3, seed=5, input=ends, print=out.append) == 1            # input ends early
    assert Q.run_terminal('kmeans', 3, seed=5, input=lambda _: '', print=out.append) == 1     # only blank lines: gives up
    assert Q.run_terminal('nope', 3, print=out.append) == 2 and 'no quiz topic' in out[-1]

def _cli_has_quiz()->bool:
    exe = shutil.which('sagestudy', path=str(Path(sys.executable).parent))
    if not exe: return False
    r = subprocess.run([exe, '--help'], capture_output=True, text=True)
    return bool(re.search(r'\bquiz\b', r.stdout))

@pytest.mark.xfail(not _cli_has_quiz(), strict=True,
                   reason='`sagestudy quiz` is being added to 69_cli by the CLI engineer; it must call study.quiz.run_terminal')
def test_cli_quiz_with_piped_answers():
    exe = shutil.which('sagestudy', path=str(Path(sys.executable).parent))
    assert exe, 'no sagestudy console script in the venv'
    qs = Q.questions('linear-learner', 3, seed=7)
    r = subprocess.run([exe, 'quiz', '--algorithm', 'linear-learner', '--count', '3', '--seed', '7'],
                       input='\n'.join(_piped(qs)) + '\n', capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    assert 'score 3/3 (100%)' in r.stdout
    bad = subprocess.run([exe, 'quiz', '--algorithm', 'linear-learner', '--count', '3', '--seed', '7'],
                         input='zz\n' + 'x' * 100_000 + '\n', capture_output=True, text=True, timeout=120)
    assert bad.returncode == 1 and 'stopped after 0 questions' in bad.stdout and 'Traceback' not in bad.stderr
    unknown = subprocess.run([exe, 'quiz', '--algorithm', 'no-such-algorithm'], input='', capture_output=True, text=True, timeout=120)
    assert unknown.returncode == 2 and 'Traceback' not in unknown.stderr

def test_mock_exam_weights_and_seed():
    from sagestudy.study import mock_exam as M
    assert abs(sum(Q.DOMAINS.values()) - 1) < 1e-12
    a, b, c = M.mock_exam(40, seed=3), M.mock_exam(40, seed=3), M.mock_exam(40, seed=4)
    assert [q.qid for q in a] == [q.qid for q in b] and [q.qid for q in a] != [q.qid for q in c]
    assert len({q.qid for q in a}) == 40
    counts = M.domain_counts(40)
    assert sum(counts.values()) == 40 and all(abs(counts[d] - 40 * w) < 1 for d, w in Q.DOMAINS.items())
    assert {d: sum(q.domain == d for q in a) for d in Q.DOMAINS} == counts

def test_mock_exam_report_names_weak_chapters():
    from sagestudy.study import mock_exam as M
    exam = M.mock_exam(30, seed=1)
    results = [q.topic != exam[0].topic for q in exam]          # wrong exactly on the first question's topic
    table, weak = M.exam_report(exam, results)
    assert list(table.index[:len(Q.DOMAINS)]) == list(Q.DOMAINS)
    assert weak[0][0] == exam[0].topic
