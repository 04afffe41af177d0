"""The classroom preflight: is this machine, and this learner's endpoint, ready for the labs?

* `checks`: the one check runner, record (`Check`) and report (READY / NOT READY).
* `doctor`: this machine (Python, packages, model files, RAM, disk, a chat, an embedding).
* `workshop`: a learner in a class (endpoint, key, model, per-student budget, notebook kernel).
* `clock`: how long a lab takes (`LabClock`), measured once and glued into every page that quotes it.

`handbook doctor` and `handbook doctor --workshop` print them; the instructor guide explains when to run which.
"""

from . import doctor, workshop
from .checks import FAIL, OK, SKIP, WARN, Check, report, run_checks
from .clock import LabClock, time_range

__all__ = ["FAIL", "OK", "SKIP", "WARN", "Check", "LabClock", "doctor", "report", "run_checks", "time_range", "workshop"]
