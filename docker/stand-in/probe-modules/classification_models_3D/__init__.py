"""TEST STAND-IN for the `classification_models_3D` package (not that package)."""
__version__ = "1.0.10-standin"
