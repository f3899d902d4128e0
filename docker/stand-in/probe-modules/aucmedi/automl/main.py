"""TEST STAND-IN for aucmedi.automl.main (not AUCMEDI): the module AUCMEDI's console entry `aucmedi`
runs (setup.py `aucmedi = aucmedi.automl.main:main`); it imports aucmedi.automl first."""
from aucmedi.automl import *  # noqa: F401,F403
