"""TEST STAND-IN for aucmedi.automl (not AUCMEDI): AUCMEDI's imports block_train, block_pred and
block_eval, which import `aucmedi` (see ../__init__.py)."""
import aucmedi  # noqa: F401
