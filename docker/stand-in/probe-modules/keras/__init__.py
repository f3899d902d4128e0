"""TEST STAND-IN for the `keras` package (not Keras): its version, of the Keras generation the
stand-in image plays (environment STANDIN_KERAS_GENERATION, "2" or "3", as aucmedi.py reads it;
build.sh sets it from AUCMEDI_STANDIN_KERAS_GENERATION)."""
import os

__version__ = "2.15.0-standin" if os.environ.get("STANDIN_KERAS_GENERATION", "3").strip() == "2" else "3.3.3-standin"


def version():
    return __version__
