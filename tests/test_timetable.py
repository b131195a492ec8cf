"""The instructor guide's timetables add up, fit a real day, and teach before they ask (issue 22, section 2).

* Each timetable is a Markdown table of slots (start, end, minutes, block, notes): the slots follow each other
  without gaps, each lasts its minutes, every day runs 9:00-17:00 with a lunch and a break in each half, and the
  small summary table under it adds the minutes up by kind.
* A lecture's or notebook's slot lasts the planned time of its title cell ("**Time:** about N minutes"), or less
  when its notes say what is dropped.
* Nothing is asked before it is taught: what each hands-on notebook asks for is read from its questions (the
  question text and the solution code), and every concept it asks for comes from a lecture placed earlier in the
  same timetable. ``TAUGHT`` says which lecture teaches what; each entry is checked against that lecture's text.
* The README's lecture table ("goes with") pairs each lecture with the notebooks that follow it in the two days.
"""

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "instructor-guide.md"
LECTURES = {p.stem[:2]: p for p in sorted((ROOT / "notebooks").glob("L*.ipynb"))}
HANDS_ON = {p.stem[:2]: p for p in sorted((ROOT / "solutions").glob("0*.ipynb"))}
ROW = re.compile(r"^\|\s*(\d\d):(\d\d)\s*\|\s*(\d\d):(\d\d)\s*\|\s*(\d+)\s*\|([^|]*)\|([^|]*)\|\s*$")
DAY_START, DAY_END = 9 * 60, 17 * 60

#: concept -> (what a question asks with: a pattern in its text or solution code, the lecture that teaches it,
#: a heading of that lecture that shows it does). Only concepts a hands-on notebook uses without teaching them.
TAUGHT = {
    "dropout": (r"\bDropout\b", "L5", r"^## Cure 3: dropout"),
    "L2 weight penalty": (r"regularizers\.l2|\bL2 penalt", "L5", r"^## Cure 2: weight penalties"),
    "batch normalisation": (r"BatchNormalization", "L5", r"^## Batch normalisation"),
    "convolution layer": (r"\bConv2D\b", "L4", r"^## The same map from `keras\.layers\.Conv2D`"),
    "pooling layer": (r"MaxPooling2D", "L4", r"^## Pooling"),
    "softmax": (r"softmax", "L1", r"^## Softmax"),
    "cross-entropy": (r"crossentropy|cross-entropy", "L2", r"^## Losses"),
    "Adam": (r"\bAdam\b|\"adam\"", "L2", r"^## Optimizers on a 2-D loss surface"),
    "ReLU": (r"\brelu\b|\bReLU\b", "L1", r"^## A table of activation functions"),
}


def minutes(hours, mins):
    return int(hours) * 60 + int(mins)


def section(text, heading):
    """The Markdown under ``heading`` up to the next heading of the same or a higher level."""
    level = heading.split()[0]
    start = text.index(heading + "\n")
    rest = text[start + len(heading):]
    end = re.search(rf"^#{{1,{len(level)}}} ", rest, re.MULTILINE)
    return rest[:end.start()] if end else rest


def slots(markdown):
    """``[(start, end, minutes, block, notes)]`` of every timetable row in ``markdown``, in order."""
    rows = []
    for line in markdown.splitlines():
        m = ROW.match(line)
        if m:
            rows.append((minutes(*m.group(1, 2)), minutes(*m.group(3, 4)), int(m.group(5)), m.group(6).strip(),
                         m.group(7).strip()))
    return rows


def summary(markdown):
    """The summary table under a timetable: ``{kind: minutes}``."""
    out = {}
    for line in markdown.splitlines():
        m = re.match(r"^\|\s*\**([a-z][^|*]*?)\**\s*\|\s*\**(\d+)\**\s*\|\s*$", line)
        if m:
            out[m.group(1).strip()] = int(m.group(2))
    return out


def kind(block):
    if re.match(r"^(L\d|\d\d)\b", block):
        return "teaching (lectures and hands-on)"
    for word, name in (("Break", "breaks"), ("Lunch", "lunch"), ("Project", "project"), ("Questions", "questions"),
                       ("Welcome", "welcome and feedback"), ("Feedback", "welcome and feedback")):
        if block.startswith(word):
            return name
    raise AssertionError(f"a timetable block of unknown kind: {block!r}")


def code_of(block):
    m = re.match(r"^(L\d|\d\d)\b", block)
    return m.group(1) if m else None


def planned(code):
    path = LECTURES.get(code) or HANDS_ON.get(code)
    assert path, f"the timetable names {code}, which is neither a lecture nor a hands-on notebook"
    title = nbformat.read(path, as_version=4).cells[0].source
    m = re.search(r"\*\*Time:\*\* about (\d+) minutes", title)
    assert m, f"{path.name}: the title cell gives no planned time"
    return int(m.group(1))


def question_text(code):
    """What a hands-on notebook asks for: its question cells' text and the code of its solutions."""
    nb = nbformat.read(HANDS_ON[code], as_version=4)
    parts = []
    for cell in nb.cells:
        if cell.cell_type == "markdown" and re.match(r"#+ Question", cell.source):
            parts.append(cell.source)
        elif cell.cell_type == "code" and "BEGIN SOLUTION" in cell.source:
            parts.append(re.search(r"BEGIN SOLUTION(.*?)END SOLUTION", cell.source, re.DOTALL).group(1))
    return "\n".join(parts)


def asks(code):
    text = question_text(code)
    return {concept for concept, (pattern, _, _) in TAUGHT.items() if re.search(pattern, text)}


TEXT = GUIDE.read_text(encoding="utf-8")
ONE_DAY = section(TEXT, "### One day (01–04)")
TWO_DAYS = section(TEXT, "### Two days (01–07 and a project)")
DAYS = {"one day": [ONE_DAY], "two days": [section(TWO_DAYS, "#### Day 1"), section(TWO_DAYS, "#### Day 2")]}
#: The optional block (L6, 08, 09) is taught after the two days, in the order of its table's rows.
OPTIONAL = section(TEXT, "### Optional block: sequences and hyperparameter search (L6, 08, 09)")
OPTIONAL_ORDER = [code_of(cell.strip()) for line in OPTIONAL.splitlines() if re.match(r"^\|\s*[a-z]\s*\|", line)
                  for cell in line.strip("|").split("|")[1:3]]


def two_days_then_the_optional_block():
    return [code_of(r[3]) for day in DAYS["two days"] for r in slots(day) if code_of(r[3])] + OPTIONAL_ORDER


@pytest.mark.parametrize("plan", DAYS)
def test_every_day_runs_nine_to_five_without_gaps_with_lunch_and_breaks(plan):
    for day in DAYS[plan]:
        rows = slots(day)
        assert len(rows) >= 8, f"{plan}: no timetable found"
        assert rows[0][0] == DAY_START and rows[-1][1] == DAY_END, f"{plan}: the day should run 9:00-17:00"
        for (start, end, length, block, _), following in zip(rows, rows[1:] + [None]):
            assert end - start == length, f"{plan}, {block}: {end - start} minutes, not {length}"
            assert following is None or following[0] == end, f"{plan}: a gap or an overlap after {block}"
        lunch = [r for r in rows if kind(r[3]) == "lunch"]
        assert len(lunch) == 1 and lunch[0][2] >= 45, f"{plan}: one lunch of at least 45 minutes"
        morning = [r for r in rows if r[1] <= lunch[0][0]]
        afternoon = [r for r in rows if r[0] >= lunch[0][1]]
        for half in (morning, afternoon):
            assert any(kind(r[3]) == "breaks" for r in half), f"{plan}: a break in each half of the day"
            stretch = 0
            for start, end, length, block, _ in half:  # never more than two hours without a pause
                stretch = 0 if kind(block) == "breaks" else stretch + length
                assert stretch <= 120, f"{plan}: more than two hours without a break at {block}"


@pytest.mark.parametrize("plan", DAYS)
def test_the_summary_adds_the_minutes_up(plan):
    rows = [r for day in DAYS[plan] for r in slots(day)]
    stated = summary(ONE_DAY if plan == "one day" else TWO_DAYS)
    total = stated.pop(next(k for k in stated if k.startswith("total")))
    counted = {}
    for _, _, length, block, _ in rows:
        counted[kind(block)] = counted.get(kind(block), 0) + length
    assert counted == stated, f"{plan}: the summary table says {stated}, the slots add up to {counted}"
    assert total == sum(counted.values()) == (DAY_END - DAY_START) * len(DAYS[plan])


@pytest.mark.parametrize("plan", DAYS)
def test_each_slot_lasts_its_planned_time_or_says_what_is_dropped(plan):
    for day in DAYS[plan]:
        for _, _, length, block, notes in slots(day):
            code = code_of(block)
            if code is None:
                continue
            time = planned(code)
            if length != time:
                assert length < time and notes.startswith("dropped:") and len(notes) > 20, (
                    f"{plan}, {block}: {length} minutes against the {time} of its title cell; a shorter slot "
                    f"says what is dropped (notes 'dropped: ...')")


def test_the_table_of_what_each_lecture_teaches_is_true():
    for concept, (_, lecture, heading) in TAUGHT.items():
        nb = nbformat.read(LECTURES[lecture], as_version=4)
        markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
        assert re.search(heading, markdown, re.MULTILINE), f"{lecture} has no section {heading!r} on {concept}"
    # the cases of issue 22, read from the notebooks: the table must still find them
    assert {"dropout", "L2 weight penalty"} <= asks("03"), asks("03")
    assert "batch normalisation" in asks("04"), asks("04")


@pytest.mark.parametrize("plan", DAYS)
def test_no_notebook_asks_for_what_a_later_lecture_teaches(plan):
    order = (two_days_then_the_optional_block() if plan == "two days"
             else [code_of(r[3]) for day in DAYS[plan] for r in slots(day) if code_of(r[3])])
    for position, code in enumerate(order):
        if code not in HANDS_ON:
            continue
        before = set(order[:position])
        for concept in sorted(asks(code)):
            lecture = TAUGHT[concept][1]
            assert lecture in before, (f"{plan}: {code} asks for {concept} (its questions say so), which {lecture} "
                                       f"teaches, but {lecture} is not before it: {order}")


def test_every_notebook_is_planned_or_named_as_left_out():
    one = {code_of(r[3]) for r in slots(ONE_DAY)}
    two = set(two_days_then_the_optional_block())
    assert OPTIONAL_ORDER, "the optional block's table names its lectures and notebooks"
    assert set(HANDS_ON) | set(LECTURES) <= two, sorted(set(HANDS_ON) | set(LECTURES) - two)
    assert set(LECTURES) - set(OPTIONAL_ORDER) <= one, "the one-day plan keeps every lecture (shortened where it says so)"
    left_out = re.search(r"Not in the one-day plan: (.*?)\n\n", ONE_DAY, re.DOTALL).group(1)
    for code in sorted(set(HANDS_ON) - one):
        assert re.search(rf"\b{code}\b", left_out), f"the one-day plan leaves out {code} without saying so"


def test_readme_pairs_each_lecture_with_the_notebooks_that_follow_it():
    order = two_days_then_the_optional_block()
    follows = {}
    for code in order:
        if code in LECTURES:
            current = follows.setdefault(code, set())
        else:
            current.add(code)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = {m.group(1): set(re.findall(r"\b0\d\b", m.group(2)))
             for m in re.finditer(r"^\| `(L\d)_\w+` \|.*\| ([^|]*) \|\s*$", readme, re.MULTILINE)}
    assert table == follows, f"README 'goes with': {table}; the two-day timetable: {follows}"
