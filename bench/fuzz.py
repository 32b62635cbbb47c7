"""Longer fuzz run over the reader and every detector (the test suite runs a small budget).

    python bench/fuzz.py [EXAMPLES]      # default 3000 examples per property

Runs the hypothesis properties of tests/test_robustness.py with a bigger budget: every detector
on arbitrary text (spans inside the text, line/column right, no rule error), reports valid and
deterministic, the reader on arbitrary bytes. A failure prints the minimal failing input.
"""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

if __name__ == "__main__":
    n = sys.argv[1] if len(sys.argv) > 1 else "3000"
    env = {**os.environ, "QC_FUZZ_EXAMPLES": n}
    sys.exit(subprocess.call([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                              str(ROOT / "tests" / "test_robustness.py"), "-k", "arbitrary"], env=env, cwd=ROOT))
