"""TEST STAND-IN for the `aucmedi` package (not AUCMEDI).

AUCMEDI 0.11.0's aucmedi/__init__.py imports aucmedi.neural_network.model, which imports
tensorflow.keras and every architecture; the 3D ones do
`from classification_models_3D.tfkeras import Classifiers` (neural_network/architectures/volume/*.py).
So `import aucmedi` fails wherever one of those fails; this stand-in imports the same two.
"""
import tensorflow  # noqa: F401
from classification_models_3D.tfkeras import Classifiers  # noqa: F401

__version__ = "0.11.0-standin"
