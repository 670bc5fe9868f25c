"Timing shared by the bench scripts (run them as `python bench/<script>.py`, which puts this folder on sys.path)."
import time

def best_of(fn, repeat:int=3):
    "Best wall-clock seconds of `repeat` runs of `fn()`, and the last result"
    best, out = float('inf'), None
    for _ in range(repeat):
        t0 = time.perf_counter(); out = fn(); best = min(best, time.perf_counter() - t0)
    return best, out
