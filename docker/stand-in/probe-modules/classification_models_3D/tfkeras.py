"""TEST STAND-IN for classification_models_3D.tfkeras (not that package): the module AUCMEDI 0.11.0
imports its 3D models from. Release 1.1.0 of classification_models_3D removed it (kkeras.py took
its place), which is what the broken variant of the stand-in plays by deleting this file."""
Classifiers = None
