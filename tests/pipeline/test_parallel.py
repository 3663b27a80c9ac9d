"""The writer's look-ahead (pipeline/parallel.py): files in listed order, and the moment it stops
waiting for a full batch."""
from pathlib import Path

from pipeline.parallel import FilesAhead


class Pending:
    """An AsyncResult stand-in whose readiness the test sets."""

    def __init__(self):
        self.done = False

    def ready(self):
        return self.done


class Pool:
    def __init__(self):
        self.sent: list[Pending] = []

    def apply_async(self, function, args):
        self.sent.append(Pending())
        return self.sent[-1]


def ahead_of(n: int, pool: Pool, window: int, workers: int = 2) -> FilesAhead:
    files = [Path(f"r{i}.txt") for i in range(n)]
    return FilesAhead(files, lambda path: (path.name, ""), lambda sha: False, pool, window, "v", workers)


def test_files_come_in_listed_order_and_at_most_a_window_is_in_the_workers():
    pool = Pool()
    ahead = ahead_of(6, pool, window=3)
    taken = []
    for item in ahead:
        taken.append(item.path.name)
        assert len(pool.sent) <= len(taken) + 3
    assert taken == [f"r{i}.txt" for i in range(6)]


def test_the_writer_stops_waiting_once_the_last_files_are_in_the_workers():
    pool = Pool()
    ahead = ahead_of(5, pool, window=2)
    items = iter(ahead)
    next(items)
    assert not ahead.winding_down()        # files not sent yet: a full batch is worth waiting for
    next(items), next(items), next(items)
    assert ahead.winding_down()            # all sent, one left and still in a worker: store what is held
    pool.sent[-1].done = True
    assert not ahead.winding_down()        # it is done: take it first


def test_a_worker_lays_out_a_reports_rows_without_pandas(shared):
    """Workers refuse pandas (pyarrow would import it, a third of a second each, to recognise
    pandas objects): the rows of a report are built all the same."""
    import subprocess
    import sys
    script = (
        "import sys\n"
        "from pipeline.parallel import WithoutPandas, build_rows\n"
        "sys.meta_path.insert(0, WithoutPandas())\n"
        "from pathlib import Path\n"
        "from extract.rulebook import default_rulebook\n"
        "from extract.reading.limits import Limits\n"
        "from pipeline.timing import StageClock\n"
        f"rows = build_rows(Path({str(shared / 'reports' / 'huyen_9thang_2024.txt')!r}), 'sha', 'v',"
        " default_rulebook(), Limits(), StageClock())\n"
        "print(rows.facts, rows.tables['facts'].num_rows, 'pandas' in sys.modules)\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    facts, rows, pandas = result.stdout.split()
    assert int(facts) == int(rows) > 100 and pandas == "False"
