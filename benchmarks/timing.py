"""What the benchmarks share: the best of several timings, taken in the same run as the
timings they are compared with (the benchmarks import it from their own folder)."""
import time


def best_of(func, repeat, number=1):
    """Seconds per call of func(): the best of `repeat` timings of `number` calls each."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            func()
        times.append((time.perf_counter() - start) / number)
    return min(times)


def best_of_each(funcs, repeat):
    """{name: the best time of funcs[name]()} over `repeat` runs, the functions
    interleaved run by run (so that a busy machine slows all of them alike)."""
    times = {name: [] for name in funcs}
    for _ in range(repeat):
        for name, func in funcs.items():
            start = time.perf_counter()
            func()
            times[name].append(time.perf_counter() - start)
    return {name: min(values) for name, values in times.items()}
