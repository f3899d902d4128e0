"""TEST STAND-IN for the `tensorflow` package (not TensorFlow): its version and `tensorflow.keras`.

TensorFlow up to 2.15 comes with Keras 2 as tf.keras; from 2.16 tf.keras is Keras 3 (see ../keras)."""
import keras  # noqa: F401  (tf.keras)

__version__ = "2.15.1-standin" if keras.__version__.startswith("2.") else "2.16.1-standin"
