"""Run every benchmark in this folder, one after the other."""
import os
import runpy
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(HERE))
    for name in sorted(os.listdir(HERE)):
        if name.startswith("bench_") and name.endswith(".py"):
            print("=" * 72 + "\n" + name)
            sys.argv = [name]
            runpy.run_path(os.path.join(HERE, name), run_name="__main__")
