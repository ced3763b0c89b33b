"""The examples in python/examples (mloda's streaming patterns, the README's run_all and
a feature group written in Python) run and print the values mloda gives."""
import os
import subprocess
import sys

import pytest

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples")

EXPECTED = {
    "micro_batch_loop.py": ["value__mean_aggr", "10.85", "9.95"],
    "stream_run_dashboard.py": ["[panel temperature] [22.1, 22.5, 23.0]",
                                "[panel temperature__mean_aggr] [22.53333333333333",
                                "[panel pressure__mean_imputed] [1013.0, 1012.0, 1014.0]",
                                "dashboard: ['pressure__mean_imputed', 'temperature', 'temperature__mean_aggr']"],
    "stream_all.py": ["value", "10.5", "11.2", "value__mean_aggr", "10.85"],
    "run_all_readme.py": ["customer_id  income", "C005   85000", "income__sum_aggr  age__avg_aggr",
                          "360000           37.0",
                          "plan: ['ApiInputDataFeature', 'AggregatedFeatureGroup']"],
    "user_feature_group.py": ["income_per_age", "2000.0", "1400.0", "2250.0",
                              "income_per_age__sum_aggr", "5650.0"],
}


def test_every_example_is_checked():
    assert sorted(f for f in os.listdir(EXAMPLES) if f.endswith(".py")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example(name):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    p = subprocess.run([sys.executable, os.path.join(EXAMPLES, name)], capture_output=True,
                       text=True, timeout=120, env=env)
    assert p.returncode == 0, p.stderr
    for text in EXPECTED[name]:
        assert text in p.stdout, f"{text!r} not in output:\n{p.stdout}"
