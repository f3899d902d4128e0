#!/usr/bin/python3
# -*- coding: utf-8 -*-
# ============================================================================ #
#  aucmedi -- TEST STAND-IN for the AUCMEDI AutoML command line.               #
#                                                                              #
#  THIS IS NOT AUCMEDI. It is a test double used by AUCMEDI Desk's tests in    #
#  place of the real image (ghcr.io/frankkramer-lab/aucmedi), which is based  #
#  on TensorFlow and cannot be had there. It honours the same command line    #
#  (sub-commands, options, defaults), console format (Keras progress bars and #
#  callback messages), output files and failure modes, but its "network" is   #
#  a tiny numpy model on downsampled images (16x16 grey, or 8x8x8 volumes).   #
#  It learns for real, so its metrics mean something, but only a little.      #
#                                                                              #
#  Written from scratch for AUCMEDI Desk (GPL-3.0-or-later), following the    #
#  behaviour of AUCMEDI 0.11.0 (frankkramer-lab/aucmedi, GPL-3.0).            #
#  Python 3.11 standard library + numpy + Pillow only.                        #
#                                                                              #
#  Environment:                                                               #
#    AUCMEDI_STANDIN_BATCH_DELAY  seconds (float) to sleep per batch, so tests #
#                                 can stop, kill and reattach mid-run.        #
#    KERAS_HOME                   Keras cache (weights in <cache>/models).     #
# ============================================================================ #
"""aucmedi -- test stand-in for the AUCMEDI AutoML CLI (not AUCMEDI)."""

import argparse
import csv
import datetime
import gzip
import io
import json
import math
import os
import pickle
import shutil
import socket
import struct
import sys
import tempfile
import time
import urllib.error

import numpy as np
from PIL import Image, ImageDraw, ImageFont

VERSION = "0.11.0-standin"
STANDIN_NOTE = "test stand-in for the AUCMEDI image, not AUCMEDI"

IMG_SIDE = 16          # 2D images are reduced to IMG_SIDE x IMG_SIDE grey
VOL_SIDE = 8           # 3D volumes are reduced to VOL_SIDE^3
HIDDEN = 32            # width of the "base" (a tanh layer) below the head
LR_SCALE = 20.0        # the printed (Keras) learning rate times this is the step size used
TF_EPOCHS = 10         # transfer learning: first fit (frozen base) epochs
TF_LR_START = 1e-4     # learning rate of the first fit
TF_LR_END = 1e-5       # learning rate of the second fit (whole network)
MIN_LR = 1e-7

ACCEPTABLE_IMAGE_FORMATS = ["jpeg", "jpg", "tif", "tiff", "png", "bmp", "gif",
                            "npy", "nii", "gz", "mha", "mhd", "nrrd", "dcm"]

TTY = sys.stdout.isatty()


def batch_delay():
    try:
        return max(0.0, float(os.environ.get("AUCMEDI_STANDIN_BATCH_DELAY", "0") or 0))
    except ValueError:
        return 0.0


# ---------------------------------------------------------------------------- #
#                                   Console                                    #
# ---------------------------------------------------------------------------- #
def out(text):
    sys.stdout.write(text)
    sys.stdout.flush()


def say(line):
    out(line + "\n")


def callback_msg(line):
    """Keras callbacks print '\\nEpoch 3: ...' (the newline ends an open bar)."""
    out(("\n" if TTY else "") + line + "\n")


def tf_log(level, source, message):
    stamp = datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S.%f")
    sys.stderr.write("%s: %s %s] %s\n" % (stamp, level, source, message))
    sys.stderr.flush()


def tf_startup_logs():
    tf_log("I", "tensorflow/core/util/port.cc:113",
           "oneDNN custom operations are on. You may see slightly different numerical results "
           "due to floating-point round-off errors from different computation orders. "
           "To turn them off, set the environment variable `TF_ENABLE_ONEDNN_OPTS=0`.")
    tf_log("I", "tensorflow/core/platform/cpu_feature_guard.cc:182",
           "This TensorFlow binary is optimized to use available CPU instructions in "
           "performance-critical operations.")
    sys.stderr.write("To enable the following instructions: AVX2 FMA, in other operations, "
                     "rebuild TensorFlow with the appropriate compiler flags.\n")
    tf_log("W", "tensorflow/core/common_runtime/gpu/gpu_device.cc:2211",
           "Cannot dlopen some GPU libraries. Skipping registering GPU devices...")
    tf_log("I", "aucmedi/stand-in.py:1",
           "aucmedi_v%s: %s (tiny numpy model, no TensorFlow, no GPU)" % (VERSION, STANDIN_NOTE))
    sys.stderr.flush()


def fmt_value(v):
    v = float(v)
    return (" %.4f" % v) if abs(v) > 1e-3 else (" %.4e" % v)


def fmt_time_per_unit(t, unit="step"):
    if t >= 1 or t == 0:
        return " %.0fs/%s" % (t, unit)
    if t >= 1e-3:
        return " %.0fms/%s" % (t * 1e3, unit)
    return " %.0fus/%s" % (t * 1e6, unit)


class Progbar:
    """The Keras (TF 2.x) progress bar, verbose=1. Redrawn with \\b and \\r on a TTY;
    without a TTY only the finished line is printed."""

    def __init__(self, target, width=30, interval=0.05):
        self.target = max(1, int(target))
        self.width = width
        self.interval = interval
        self._start = time.time()
        self._last_update = 0.0
        self._total_width = 0

    def due(self, finalize=False):
        if finalize:
            return True
        return TTY and (time.time() - self._last_update >= self.interval)

    def update(self, current, values, finalize=False):
        if not self.due(finalize):
            return
        now = time.time()
        prev_total_width = self._total_width
        message = ("\b" * prev_total_width + "\r") if TTY else ""
        numdigits = int(math.log10(self.target)) + 1
        bar = ("%" + str(numdigits) + "d/%d [") % (current, self.target)
        prog_width = int(self.width * float(current) / self.target)
        if prog_width > 0:
            bar += "=" * (prog_width - 1)
            bar += ">" if current < self.target else "="
        bar += "." * (self.width - prog_width)
        bar += "]"
        self._total_width = len(bar)
        message += bar
        elapsed = now - self._start
        time_per_unit = elapsed / current if current else 0.0
        if finalize:
            info = " - %.0fs" % elapsed + fmt_time_per_unit(time_per_unit)
        else:
            eta = time_per_unit * (self.target - current)
            if eta > 3600:
                eta_format = "%d:%02d:%02d" % (eta // 3600, (eta % 3600) // 60, eta % 60)
            elif eta > 60:
                eta_format = "%d:%02d" % (eta // 60, eta % 60)
            else:
                eta_format = "%ds" % eta
            info = " - ETA: %s" % eta_format
        for name, value in values:
            info += " - %s:%s" % (name, fmt_value(value))
        self._total_width += len(info)
        if TTY and prev_total_width > self._total_width:
            info += " " * (prev_total_width - self._total_width)
        if finalize:
            info += "\n"
        out(message + info)
        self._last_update = now


# ---------------------------------------------------------------------------- #
#                               Data interfaces                                #
# ---------------------------------------------------------------------------- #
def split_format(name):
    """('vol', 'nii.gz') for 'vol.nii.gz', ('img', 'png') for 'img.png'."""
    if name.lower().endswith(".nii.gz"):
        return name[:-7], name[-6:]
    if "." in name:
        base, ext = name.rsplit(".", 1)
        return base, ext
    return name, ""


def is_acceptable(fmt):
    return fmt.lower() in ACCEPTABLE_IMAGE_FORMATS or fmt.lower() == "nii.gz"


def directory_loader(path_imagedir, training=True):
    """As AUCMEDI's directory interface: class sub-folders (training) or a flat folder.
    Listings are sorted here (AUCMEDI takes os.listdir order)."""
    index_list = []
    if training:
        class_names = []
        classes_sparse = []
        for c, subdirectory in enumerate(sorted(os.listdir(path_imagedir))):
            class_names.append(subdirectory)
            for file in sorted(os.listdir(os.path.join(path_imagedir, subdirectory))):
                index_list.append(os.path.join(subdirectory, file))
                classes_sparse.append(c)
        class_n = len(class_names)
        class_ohe = np.zeros((len(index_list), class_n), dtype=np.int64)
        class_ohe[np.arange(len(index_list)), classes_sparse] = 1
        return index_list, class_ohe, class_n, class_names, None
    image_format = None
    for file in sorted(os.listdir(path_imagedir)):
        base, fmt = split_format(file)
        if image_format is None and is_acceptable(fmt):
            image_format = fmt
        index_list.append(base)
    if image_format is None:
        raise Exception("Unknown image format.", path_imagedir)
    return index_list, None, None, None, image_format


def csv_loader(path_data, path_imagedir, training=True, ohe=False,
               col_sample="SAMPLE", col_class="CLASS"):
    """As AUCMEDI's CSV interface: SAMPLE,CLASS or one-hot SAMPLE,c1,c2,... (--ohe)."""
    with open(path_data, newline="") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], [r for r in rows[1:] if r]
    if col_sample not in header:
        raise Exception("Sample column (" + str(col_sample) + ") not available in CSV file!", path_data)
    i_sample = header.index(col_sample)
    index_list = [str(r[i_sample]) for r in body]
    image_format = None
    for file in sorted(os.listdir(path_imagedir)):
        _, fmt = split_format(file)
        if is_acceptable(fmt):
            image_format = fmt
            break
    if image_format is None:
        raise Exception("Unknown image format.", path_imagedir)
    if index_list and index_list[0].endswith("." + image_format):
        image_format = None
    for sample in index_list:
        img_file = sample + "." + image_format if image_format else sample
        path_img = os.path.join(path_imagedir, img_file)
        if not os.path.exists(path_img):
            raise Exception("Image does not exist / not accessible!", 'Sample: "' + sample + '"', path_img)
    if not training:
        return index_list, None, None, None, image_format
    if not ohe:
        if col_class not in header:
            raise Exception("Provided classification column not in dataset!")
        i_class = header.index(col_class)
        classes = [r[i_class] for r in body]
        class_names = sorted(set(classes))
        class_ohe = np.zeros((len(classes), len(class_names)), dtype=np.int64)
        for i, c in enumerate(classes):
            class_ohe[i, class_names.index(c)] = 1
    else:
        cols = [i for i, h in enumerate(header) if h != col_sample]
        class_names = [header[i] for i in cols]
        class_ohe = np.array([[int(float(r[i])) for i in cols] for r in body], dtype=np.int64)
    if len(index_list) != len(class_ohe):
        raise Exception("Number of samples and annotation does not match!", len(index_list), len(class_ohe))
    return index_list, class_ohe, len(class_names), class_names, image_format


def input_interface(interface, path_imagedir, path_data=None, training=True, ohe=False):
    if interface not in ["csv", "directory"]:
        raise Exception("Unknown interface code provided.", interface)
    if interface == "csv":
        if path_data is None:
            raise Exception("No annoation file provided for CSV/JSON interface!")
        return csv_loader(path_data, path_imagedir, training=training, ohe=ohe)
    return directory_loader(path_imagedir, training=training)


# ---------------------------------------------------------------------------- #
#                               Image loading                                  #
# ---------------------------------------------------------------------------- #
NIFTI_DTYPES = {2: np.uint8, 4: np.int16, 8: np.int32, 16: np.float32, 64: np.float64,
                256: np.int8, 512: np.uint16, 768: np.uint32, 1024: np.int64, 1280: np.uint64}


def read_nifti(path):
    """A minimal NIfTI-1 (.nii / .nii.gz, single file) reader."""
    opener = gzip.open if path.lower().endswith(".gz") else open
    with opener(path, "rb") as handle:
        raw = handle.read()
    if len(raw) < 348:
        raise RuntimeError("Exception thrown in SimpleITK ImageFileReader_Execute: "
                           "Unable to determine ImageIO reader for \"%s\"" % path)
    endian = "<"
    if struct.unpack("<i", raw[0:4])[0] != 348:
        endian = ">"
        if struct.unpack(">i", raw[0:4])[0] != 348:
            raise RuntimeError("Exception thrown in SimpleITK ImageFileReader_Execute: "
                               "Unable to determine ImageIO reader for \"%s\"" % path)
    dims = struct.unpack(endian + "8h", raw[40:56])
    datatype = struct.unpack(endian + "h", raw[70:72])[0]
    vox_offset = int(struct.unpack(endian + "f", raw[108:112])[0])
    slope, inter = struct.unpack(endian + "2f", raw[112:120])
    if datatype not in NIFTI_DTYPES:
        raise RuntimeError("NIfTI datatype %d is not supported by the stand-in" % datatype)
    ndim = max(1, min(int(dims[0]), 7))
    shape = tuple(max(1, int(d)) for d in dims[1:1 + ndim])
    dtype = np.dtype(NIFTI_DTYPES[datatype]).newbyteorder(endian)
    count = int(np.prod(shape))
    data = np.frombuffer(raw, dtype=dtype, count=count, offset=max(vox_offset, 348))
    data = data.reshape(shape, order="F").astype(np.float32)
    if slope not in (0.0,) and not math.isnan(slope):
        data = data * slope + inter
    while data.ndim > 3:
        data = data[..., 0]
    while data.ndim < 3:
        data = data[..., np.newaxis]
    return data


def resample_axis(arr, axis, m):
    n = arr.shape[axis]
    if n >= m:
        starts = np.linspace(0, n, m + 1).astype(int)[:-1]
        sums = np.add.reduceat(arr, starts, axis=axis)
        counts = np.diff(np.append(starts, n)).astype(np.float32)
        shape = [1] * arr.ndim
        shape[axis] = m
        return sums / counts.reshape(shape)
    idx = np.floor(np.linspace(0, n, m, endpoint=False)).astype(int)
    return np.take(arr, idx, axis=axis)


def sample_path(path_imagedir, sample, image_format):
    img_file = sample + "." + image_format if image_format else sample
    return os.path.join(path_imagedir, img_file)


def load_features(path_imagedir, sample, image_format, three_dim):
    path = sample_path(path_imagedir, sample, image_format)
    if three_dim:
        low = path.lower()
        if not (low.endswith(".nii") or low.endswith(".nii.gz")):
            raise RuntimeError("The AUCMEDI stand-in reads only NIfTI-1 volumes (.nii, .nii.gz): %s" % path)
        vol = read_nifti(path)
        std = float(vol.std())
        vol = (vol - float(vol.mean())) / (std if std > 0 else 1.0)
        for axis in range(3):
            vol = resample_axis(vol, axis, VOL_SIDE)
        return vol.astype(np.float32).ravel()
    with Image.open(path) as img:
        grey = img.convert("L").resize((IMG_SIDE, IMG_SIDE), Image.BOX)
        return np.asarray(grey, dtype=np.float32).ravel() / 255.0


def load_original(path_imagedir, sample, image_format, three_dim):
    """The original image as RGB uint8 (3D: the middle axial slice), for heat maps."""
    path = sample_path(path_imagedir, sample, image_format)
    if three_dim:
        vol = read_nifti(path)
        sl = vol[:, :, vol.shape[2] // 2].T
        lo, hi = float(sl.min()), float(sl.max())
        sl = (sl - lo) / (hi - lo if hi > lo else 1.0) * 255.0
        return np.stack([sl.astype(np.uint8)] * 3, axis=-1)
    with Image.open(path) as img:
        return np.asarray(img.convert("RGB"))


def load_all(path_imagedir, samples, image_format, three_dim):
    return np.stack([load_features(path_imagedir, s, image_format, three_dim) for s in samples]).astype(np.float32)


# ---------------------------------------------------------------------------- #
#                   Architectures and pretrained weights (Keras)               #
# ---------------------------------------------------------------------------- #
KERAS_APPS = "https://storage.googleapis.com/tensorflow/keras-applications/"
ARCH_2D = {"Vanilla": None}
for _k in ("121", "169", "201"):
    ARCH_2D["DenseNet" + _k] = (KERAS_APPS + "densenet/", "densenet%s_weights_tf_dim_ordering_tf_kernels_notop.h5" % _k)
for _k in ("50", "101", "152"):
    ARCH_2D["ResNet" + _k] = (KERAS_APPS + "resnet/", "resnet%s_weights_tf_dim_ordering_tf_kernels_notop.h5" % _k)
    ARCH_2D["ResNet%sV2" % _k] = (KERAS_APPS + "resnet/", "resnet%sv2_weights_tf_dim_ordering_tf_kernels_notop.h5" % _k)
for _k in range(8):
    ARCH_2D["EfficientNetB%d" % _k] = ("https://storage.googleapis.com/keras-applications/", "efficientnetb%d_notop.h5" % _k)
for _k in ("Tiny", "Small", "Base", "Large"):
    ARCH_2D["ConvNeXt" + _k] = (KERAS_APPS + "convnext/", "convnext_%s_notop.h5" % _k.lower())
ARCH_2D.update({
    "InceptionResNetV2": (KERAS_APPS + "inception_resnet_v2/", "inception_resnet_v2_weights_tf_dim_ordering_tf_kernels_notop.h5"),
    "InceptionV3": (KERAS_APPS + "inception_v3/", "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5"),
    "MobileNet": (KERAS_APPS + "mobilenet/", "mobilenet_1_0_224_tf_no_top.h5"),
    "MobileNetV2": (KERAS_APPS + "mobilenet_v2/", "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5"),
    "NASNetMobile": (KERAS_APPS + "nasnet/NASNet-mobile-no-top.h5", "nasnet_mobile_no_top.h5"),
    "NASNetLarge": (KERAS_APPS + "nasnet/NASNet-large-no-top.h5", "nasnet_large_no_top.h5"),
    "VGG16": (KERAS_APPS + "vgg16/", "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5"),
    "VGG19": (KERAS_APPS + "vgg19/", "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"),
    "Xception": (KERAS_APPS + "xception/", "xception_weights_tf_dim_ordering_tf_kernels_notop.h5"),
})
ARCH_3D = ["Vanilla", "DenseNet121", "DenseNet169", "DenseNet201", "ResNet18", "ResNet34", "ResNet50",
           "ResNet101", "ResNet152", "ResNeXt50", "ResNeXt101", "MobileNet", "MobileNetV2", "VGG16",
           "VGG19", "ConvNeXtTiny", "ConvNeXtSmall", "ConvNeXtBase", "ConvNeXtLarge"]
ARCHITECTURES = {"2D." + k: k for k in ARCH_2D}
ARCHITECTURES.update({"3D." + k: k for k in ARCH_3D})
CM3D_RELEASES = "https://github.com/ZFTurbo/classification_models_3D/releases/download/v1.0/"


def keras_home():
    if "KERAS_HOME" in os.environ:
        return os.environ.get("KERAS_HOME")
    base = os.path.expanduser("~")
    if not os.access(base, os.W_OK):
        base = "/tmp"
    return os.path.join(base, ".keras")


def _urlretrieve(origin, target):
    """There is no network for the stand-in, ever: fail the way a container without
    network fails (getaddrinfo EAI_AGAIN), without trying."""
    raise urllib.error.URLError(socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution"))


def keras_models_dir():
    """Keras's get_file: <cache>/models, <cache> = KERAS_HOME or ~/.keras, and
    /tmp/.keras instead when <cache> is not writable."""
    datadir_base = os.path.expanduser(keras_home())
    if not os.access(datadir_base, os.W_OK):
        datadir_base = os.path.join("/tmp", ".keras")
    datadir = os.path.join(datadir_base, "models")
    os.makedirs(datadir, exist_ok=True)
    return datadir


def get_file(fname, origin, datadir, prefix=None):
    fpath = os.path.join(datadir, fname)
    if prefix is not None and os.path.isdir(datadir):
        for existing in sorted(os.listdir(datadir)):
            if existing.lower().startswith(prefix) and os.path.isfile(os.path.join(datadir, existing)):
                return os.path.join(datadir, existing)
    if os.path.exists(fpath):
        return fpath
    say("Downloading data from %s" % origin)
    error_msg = "URL fetch failure on {}: {} -- {}"
    try:
        try:
            _urlretrieve(origin, fpath)
        except urllib.error.HTTPError as e:
            raise Exception(error_msg.format(origin, e.code, e.msg))
        except urllib.error.URLError as e:
            raise Exception(error_msg.format(origin, e.errno, e.reason))
    except (Exception, KeyboardInterrupt):
        if os.path.exists(fpath) and os.access(os.path.dirname(fpath), os.W_OK):
            os.remove(fpath)
        raise
    return fpath


def pretrained_weights(arch_dim):
    """Returns a seed derived from the pretrained weights file (None for Vanilla)."""
    dim, key = arch_dim.split(".", 1)
    if key == "Vanilla":
        return None
    datadir = keras_models_dir()
    if dim == "2D":
        base, fname = ARCH_2D[key]
        origin = base if base.endswith(".h5") else base + fname
        path = get_file(fname, origin, datadir)
    else:
        fname = "%s_inp_channel_3_tch_0_top_False.h5" % key.lower()
        path = get_file(fname, CM3D_RELEASES + fname, datadir, prefix=key.lower())
    with open(path, "rb") as handle:
        head = handle.read(1 << 20)
    if not head:
        raise OSError("Unable to synchronously open file (file signature not found)")
    return int.from_bytes(__import__("hashlib").sha256(head).digest()[:4], "little")


def resolve_architecture(arch_dim):
    if arch_dim not in ARCHITECTURES:
        # AUCMEDI 0.11.0 keeps the unknown key as a string and fails on it:
        # AttributeError: 'str' object has no attribute 'create_model'.
        try:
            raise KeyError(arch_dim)
        except KeyError as error:
            raise AttributeError("'str' object has no attribute 'create_model'") from error
    return arch_dim


# ---------------------------------------------------------------------------- #
#                          The tiny network (numpy)                            #
# ---------------------------------------------------------------------------- #
class TinyNet:
    """x -> standardise -> tanh(x W1 + b1) ("base") -> h W2 + b2 ("head") -> softmax|sigmoid."""

    FORMAT = "aucmedi-stand-in model v1 (numpy .npz; NOT a Keras model)"

    def __init__(self, n_features, n_labels, activation, architecture, base_seed=None, head_seed=0):
        self.activation = activation
        self.architecture = architecture
        rng_base = np.random.default_rng(0 if base_seed is None else base_seed)
        rng_head = np.random.default_rng(head_seed)
        self.params = {
            "W1": (rng_base.normal(0.0, 1.0, (n_features, HIDDEN)) / math.sqrt(n_features)).astype(np.float32),
            "b1": np.zeros(HIDDEN, np.float32),
            "W2": (rng_head.normal(0.0, 1.0, (HIDDEN, n_labels)) / math.sqrt(HIDDEN)).astype(np.float32),
            "b2": np.zeros(n_labels, np.float32),
        }
        self.mean = np.zeros(n_features, np.float32)
        self.std = np.ones(n_features, np.float32)
        self.compile(TF_LR_START)

    def compile(self, lr):
        """Like Keras compile: a fresh Adam."""
        self.lr = np.float32(lr)
        self.adam_t = 0
        self.adam_m = {k: np.zeros_like(v) for k, v in self.params.items()}
        self.adam_v = {k: np.zeros_like(v) for k, v in self.params.items()}

    def fit_standardisation(self, x):
        self.mean = x.mean(axis=0).astype(np.float32)
        std = x.std(axis=0)
        self.std = np.where(std > 1e-6, std, 1.0).astype(np.float32)

    def forward(self, x):
        z = (x - self.mean) / self.std
        h = np.tanh(z @ self.params["W1"] + self.params["b1"])
        logits = h @ self.params["W2"] + self.params["b2"]
        if self.activation == "softmax":
            e = np.exp(logits - logits.max(axis=1, keepdims=True))
            p = e / e.sum(axis=1, keepdims=True)
        else:
            p = 1.0 / (1.0 + np.exp(-logits))
        return z, h, p

    def predict(self, x):
        return self.forward(x)[2]

    def loss(self, p, y):
        eps = 1e-7
        p = np.clip(p, eps, 1 - eps)
        if self.activation == "softmax":
            return float(np.mean(-np.sum(y * np.log(p), axis=1)))
        return float(np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p))))

    def train_step(self, x, y, trainable):
        z, h, p = self.forward(x)
        n = x.shape[0]
        d_logits = (p - y) / n
        if self.activation != "softmax":
            d_logits = d_logits / y.shape[1]
        grads = {"W2": h.T @ d_logits, "b2": d_logits.sum(axis=0)}
        d_a = (d_logits @ self.params["W2"].T) * (1.0 - h * h)
        grads["W1"] = z.T @ d_a
        grads["b1"] = d_a.sum(axis=0)
        self.adam_t += 1
        step = float(self.lr) * LR_SCALE
        b1, b2, eps = 0.9, 0.999, 1e-7
        for k in trainable:
            g = grads[k].astype(np.float32)
            self.adam_m[k] = b1 * self.adam_m[k] + (1 - b1) * g
            self.adam_v[k] = b2 * self.adam_v[k] + (1 - b2) * g * g
            m_hat = self.adam_m[k] / (1 - b1 ** self.adam_t)
            v_hat = self.adam_v[k] / (1 - b2 ** self.adam_t)
            self.params[k] = (self.params[k] - step * m_hat / (np.sqrt(v_hat) + eps)).astype(np.float32)
        return p

    def contribution(self, x, class_index):
        """Per-input-feature contribution (gradient x input) to one class's logit."""
        z, h, _ = self.forward(x[np.newaxis, :])
        grad = (self.params["W1"] * (1.0 - h[0] * h[0])[np.newaxis, :]) @ self.params["W2"][:, class_index]
        return grad * z[0]

    def save(self, path):
        buffer = io.BytesIO()
        meta = json.dumps({"format": self.FORMAT, "activation": self.activation,
                           "architecture": self.architecture, "note": STANDIN_NOTE})
        np.savez(buffer, meta=np.array(meta), mean=self.mean, std=self.std, **self.params)
        tmp = path + ".tmp"
        with open(tmp, "wb") as handle:
            handle.write(buffer.getvalue())
        os.replace(tmp, path)

    @classmethod
    def load(cls, path):
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            if meta.get("format") != cls.FORMAT:
                raise ValueError("Not a model written by the AUCMEDI stand-in: %s" % path)
            net = cls(data["W1"].shape[0], data["W2"].shape[1], meta["activation"], meta["architecture"])
            for k in net.params:
                net.params[k] = data[k]
            net.mean, net.std = data["mean"], data["std"]
        return net


# ---------------------------------------------------------------------------- #
#                                   Metrics                                    #
# ---------------------------------------------------------------------------- #
def rankdata(a):
    """Average ranks (1-based), ties share their mean rank."""
    a = np.asarray(a, dtype=np.float64)
    order = np.argsort(a, kind="mergesort")
    sorted_a = a[order]
    ranks = np.empty(len(a), dtype=np.float64)
    i = 0
    while i < len(a):
        j = i
        while j + 1 < len(a) and sorted_a[j + 1] == sorted_a[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2.0 + 1.0
        i = j + 1
    return ranks


def auc_binary(truth, score):
    truth = np.asarray(truth).astype(bool)
    n_pos = int(truth.sum())
    n_neg = len(truth) - n_pos
    if n_pos == 0 or n_neg == 0:
        return None
    ranks = rankdata(score)
    return float((ranks[truth].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def auc_macro(y, p):
    """Macro one-vs-rest ROC AUC over the classes where it is defined (0.0 if none)."""
    values = [auc_binary(y[:, c], p[:, c]) for c in range(y.shape[1])]
    values = [v for v in values if v is not None]
    return float(np.mean(values)) if values else 0.0


def roc_points(truth, score):
    """(fpr, tpr) points as sklearn.metrics.roc_curve (thresholds at distinct scores)."""
    truth = np.asarray(truth).astype(bool)
    order = np.argsort(-np.asarray(score, dtype=np.float64), kind="mergesort")
    s = np.asarray(score, dtype=np.float64)[order]
    t = truth[order]
    distinct = np.where(np.diff(s))[0]
    idx = np.r_[distinct, len(t) - 1]
    tps = np.cumsum(t)[idx]
    fps = 1 + idx - tps
    tps = np.r_[0, tps]
    fps = np.r_[0, fps]
    fpr = fps / fps[-1] if fps[-1] > 0 else np.full(fps.shape, np.nan)
    tpr = tps / tps[-1] if tps[-1] > 0 else np.full(tps.shape, np.nan)
    return fpr, tpr


def f32(v):
    """A value as Keras logs it: a float32 turned into a Python float."""
    return float(np.float32(v))


# ---------------------------------------------------------------------------- #
#                              Keras-like callbacks                            #
# ---------------------------------------------------------------------------- #
class Context:
    def __init__(self, net):
        self.net = net
        self.stop_training = False


class ModelCheckpoint:
    def __init__(self, filepath):
        self.filepath = filepath
        self.best = float("inf")   # kept across both fit phases, as in Keras

    def on_train_begin(self, ctx):
        pass

    def on_epoch_end(self, epoch, logs, ctx):
        current = logs.get("val_loss")
        if current is None:
            return
        if current < self.best:
            callback_msg("Epoch %d: val_loss improved from %.5f to %.5f, saving model to %s"
                         % (epoch + 1, self.best, current, self.filepath))
            self.best = current
            ctx.net.save(self.filepath)
        else:
            callback_msg("Epoch %d: val_loss did not improve from %.5f" % (epoch + 1, self.best))

    def on_train_end(self, ctx):
        pass


class CSVLogger:
    def __init__(self, filename):
        self.filename = filename
        self.keys = None

    def on_train_begin(self, ctx):
        append_header = True
        if os.path.exists(self.filename):
            with open(self.filename) as handle:
                append_header = not bool(len(handle.readline()))
        self.append_header = append_header
        self.handle = open(self.filename, "a", newline="")
        self.writer = None

    def on_epoch_end(self, epoch, logs, ctx):
        if self.keys is None:
            self.keys = sorted(logs.keys())
        if self.writer is None:
            self.writer = csv.DictWriter(self.handle, fieldnames=["epoch"] + self.keys, lineterminator="\n")
            if self.append_header:
                self.writer.writeheader()
        row = {"epoch": epoch}
        row.update((k, logs.get(k, "NA")) for k in self.keys)
        self.writer.writerow(row)
        self.handle.flush()

    def on_train_end(self, ctx):
        self.handle.close()
        self.writer = None


class ReduceLROnPlateau:
    def __init__(self, factor=0.1, patience=5, min_lr=MIN_LR, min_delta=1e-4):
        self.factor, self.patience, self.min_lr, self.min_delta = factor, patience, min_lr, min_delta

    def on_train_begin(self, ctx):
        self.wait = 0
        self.best = float("inf")

    def on_epoch_end(self, epoch, logs, ctx):
        current = logs.get("val_loss")
        if current is None:
            return
        if current < self.best - self.min_delta:
            self.best = current
            self.wait = 0
        else:
            self.wait += 1
            if self.wait >= self.patience:
                old_lr = float(np.float32(ctx.net.lr))
                if old_lr > np.float32(self.min_lr):
                    new_lr = max(old_lr * self.factor, self.min_lr)
                    ctx.net.lr = np.float32(new_lr)
                    callback_msg("Epoch %d: ReduceLROnPlateau reducing learning rate to %s." % (epoch + 1, new_lr))
                    self.wait = 0

    def on_train_end(self, ctx):
        pass


class EarlyStopping:
    def __init__(self, patience=12):
        self.patience = patience

    def on_train_begin(self, ctx):
        self.wait = 0
        self.best = float("inf")
        self.stopped_epoch = 0

    def on_epoch_end(self, epoch, logs, ctx):
        current = logs.get("val_loss")
        if current is None:
            return
        self.wait += 1
        if current < self.best:
            self.best = current
            self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            ctx.stop_training = True

    def on_train_end(self, ctx):
        if self.stopped_epoch > 0:
            say("Epoch %d: early stopping" % (self.stopped_epoch + 1))


# ---------------------------------------------------------------------------- #
#                                   Fitting                                    #
# ---------------------------------------------------------------------------- #
def batches(n, batch_size, rng=None):
    order = rng.permutation(n) if rng is not None else np.arange(n)
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]


def evaluate(net, x, y, batch_size):
    preds = np.concatenate([net.predict(x[b]) for b in batches(len(x), batch_size)])
    return net.loss(preds, y), auc_macro(y, preds)


def fit(net, train, val, epochs, initial_epoch, callbacks, trainable, batch_size, log_lr, rng):
    """One Keras fit() call: prints Epoch i/n, the bar, callback messages; returns history rows."""
    x, y = train
    ctx = Context(net)
    history = []
    delay = batch_delay()
    for cb in callbacks:
        cb.on_train_begin(ctx)
    steps = int(math.ceil(len(x) / float(batch_size)))
    for epoch in range(initial_epoch, epochs):
        say("Epoch %d/%d" % (epoch + 1, epochs))
        bar = Progbar(steps)
        loss_sum, seen, seen_p, seen_y = 0.0, 0, [], []
        for step, idx in enumerate(batches(len(x), batch_size, rng)):
            if delay:
                time.sleep(delay)
            p = net.train_step(x[idx], y[idx], trainable)
            loss_sum += net.loss(p, y[idx]) * len(idx)
            seen += len(idx)
            seen_p.append(p)
            seen_y.append(y[idx])
            if bar.due():
                auc = auc_macro(np.concatenate(seen_y), np.concatenate(seen_p))
                bar.update(step + 1, [("loss", loss_sum / seen), ("auc", auc)])
        logs = {"loss": f32(loss_sum / seen), "auc": f32(auc_macro(np.concatenate(seen_y), np.concatenate(seen_p)))}
        if val is not None:
            val_loss, val_auc = evaluate(net, val[0], val[1], batch_size)
            logs["val_loss"] = f32(val_loss)
            logs["val_auc"] = f32(val_auc)
        if log_lr:
            logs["lr"] = np.float32(net.lr)
        for cb in callbacks:
            cb.on_epoch_end(epoch, logs, ctx)
        bar.update(steps, list(logs.items()), finalize=True)
        history.append(dict(logs, epoch=epoch))
        if ctx.stop_training:
            break
    for cb in callbacks:
        cb.on_train_end(ctx)
    return history


def train_transfer(net, train, val, epochs, callbacks, batch_size, log_lr, rng):
    """AUCMEDI's transfer learning: fit the head with the base frozen for the first
    min(10, epochs) epochs at 1e-4, then fine-tune everything from epoch 11 at 1e-5."""
    net.fit_standardisation(train[0])
    net.compile(TF_LR_START)
    first = min(TF_EPOCHS, epochs)
    history = fit(net, train, val, first, 0, callbacks, ("W2", "b2"), batch_size, log_lr, rng)
    if epochs > TF_EPOCHS:
        net.compile(TF_LR_END)
        history += fit(net, train, val, epochs, TF_EPOCHS, callbacks, ("W1", "b1", "W2", "b2"),
                       batch_size, log_lr, rng)
    return history


def stratified_split(labels, fraction, seed=0):
    """Indices (train, val): per label combination, a share `fraction` goes to val."""
    rng = np.random.default_rng(seed)
    groups = {}
    for i, row in enumerate(labels):
        groups.setdefault(tuple(int(v) for v in row), []).append(i)
    train, val = [], []
    for key in sorted(groups):
        members = np.array(groups[key])
        rng.shuffle(members)
        n_val = int(round(len(members) * fraction))
        if n_val == 0 and len(members) >= 2:
            n_val = 1
        val.extend(members[:n_val].tolist())
        train.extend(members[n_val:].tolist())
    if not val and len(train) > 1:
        val.append(train.pop())
    return np.array(sorted(train)), np.array(sorted(val))


def stratified_kfold(labels, k, seed=0):
    rng = np.random.default_rng(seed)
    folds = [[] for _ in range(k)]
    groups = {}
    for i, row in enumerate(labels):
        groups.setdefault(tuple(int(v) for v in row), []).append(i)
    position = 0
    for key in sorted(groups):
        members = np.array(groups[key])
        rng.shuffle(members)
        for m in members:
            folds[position % k].append(int(m))
            position += 1
    result = []
    all_idx = np.arange(len(labels))
    for i in range(k):
        test = np.array(sorted(folds[i]))
        train = np.setdiff1d(all_idx, test)
        result.append((train, test))
    return result


# ---------------------------------------------------------------------------- #
#                                   Drawing                                    #
# ---------------------------------------------------------------------------- #
PALETTE = [(248, 118, 109), (0, 186, 56), (97, 156, 255), (205, 150, 0), (0, 191, 196),
           (245, 100, 227), (183, 159, 0), (0, 169, 255), (199, 124, 255), (0, 192, 148)]


def font():
    return ImageFont.load_default()


def draw_dashed(draw, p0, p1, fill, dash=6):
    (x0, y0), (x1, y1) = p0, p1
    length = math.hypot(x1 - x0, y1 - y0)
    if length == 0:
        return
    n = int(length // dash)
    for i in range(0, n, 2):
        a, b = i / float(n), min(1.0, (i + 1) / float(n))
        draw.line([(x0 + (x1 - x0) * a, y0 + (y1 - y0) * a), (x0 + (x1 - x0) * b, y0 + (y1 - y0) * b)], fill=fill)


def line_panel(draw, box, series, title, x_max, y_range, boundary=None):
    """A line chart in box (l, t, r, b); series: list of (name, xs, ys, colour, dashed)."""
    l, t, r, b = box
    f = font()
    draw.rectangle([l, t, r, b], outline=(0, 0, 0), fill=(255, 255, 255))
    draw.text((l, t - 14), title, fill=(0, 0, 0), font=f)
    y_lo, y_hi = y_range
    if y_hi <= y_lo:
        y_hi = y_lo + 1.0

    def px(xv, yv):
        return (l + (r - l) * (xv / float(max(1, x_max))), b - (b - t) * ((yv - y_lo) / (y_hi - y_lo)))

    for i in range(5):
        yv = y_lo + (y_hi - y_lo) * i / 4.0
        _, yy = px(0, yv)
        draw.line([(l, yy), (r, yy)], fill=(230, 230, 230))
        draw.text((l - 40, yy - 5), "%.2f" % yv, fill=(0, 0, 0), font=f)
    x_step = max(1, int(math.ceil(x_max / 10.0)))
    for xv in range(0, int(x_max) + 1, x_step):
        xx, _ = px(xv, y_lo)
        draw.line([(xx, b), (xx, b + 3)], fill=(0, 0, 0))
        draw.text((xx - 4, b + 5), str(xv), fill=(0, 0, 0), font=f)
    if boundary is not None and 0 < boundary < x_max:
        bx, _ = px(boundary, y_lo)
        draw_dashed(draw, (bx, t), (bx, b), (120, 120, 120))
    legend_y = t + 4
    for name, xs, ys, colour, dashed in series:
        points = [px(xv, yv) for xv, yv in zip(xs, ys) if yv is not None and not math.isnan(yv)]
        if len(points) >= 2:
            if dashed:
                for p0, p1 in zip(points, points[1:]):
                    draw_dashed(draw, p0, p1, colour, dash=4)
            else:
                draw.line(points, fill=colour, width=2)
        elif points:
            draw.ellipse([points[0][0] - 2, points[0][1] - 2, points[0][0] + 2, points[0][1] + 2], fill=colour)
        draw.line([(r - 110, legend_y + 5), (r - 90, legend_y + 5)], fill=colour, width=2)
        draw.text((r - 85, legend_y), name, fill=(0, 0, 0), font=f)
        legend_y += 12
    draw.text(((l + r) // 2 - 15, b + 17), "Epoch", fill=(0, 0, 0), font=f)


def plot_fitting(history_by_model, out_path):
    """plot.fitting_course.png: loss and AUC per epoch (train and validation)."""
    img = Image.new("RGB", (900, 560), (255, 255, 255))
    draw = ImageDraw.Draw(img)
    draw.text((20, 8), "Fitting Course (AUCMEDI test stand-in, not AUCMEDI)", fill=(0, 0, 0), font=font())
    x_max = max([h["epoch"] + 1 for rows in history_by_model.values() for h in rows] + [1])
    loss_series, auc_series = [], []
    all_loss = [0.0]
    for i, (prefix, rows) in enumerate(history_by_model.items()):
        colour = PALETTE[i % len(PALETTE)]
        xs = [h["epoch"] + 1 for h in rows]
        label = (prefix + " ") if prefix else ""
        for key, dashed in (("loss", False), ("val_loss", True)):
            ys = [h.get(key) for h in rows]
            if any(v is not None for v in ys):
                loss_series.append((label + key, xs, ys, colour, dashed))
                all_loss += [v for v in ys if v is not None]
        for key, dashed in (("auc", False), ("val_auc", True)):
            ys = [h.get(key) for h in rows]
            if any(v is not None for v in ys):
                auc_series.append((label + key, xs, ys, colour, dashed))
    line_panel(draw, (70, 50, 860, 250), loss_series, "Loss", x_max, (0.0, max(all_loss) * 1.05), TF_EPOCHS)
    line_panel(draw, (70, 310, 860, 510), auc_series, "AUC", x_max, (0.0, 1.0), TF_EPOCHS)
    img.save(os.path.join(out_path, "plot.fitting_course.png"), "PNG")


def jet(v):
    v = np.clip(v, 0.0, 1.0)
    r = np.clip(1.5 - np.abs(4 * v - 3), 0, 1)
    g = np.clip(1.5 - np.abs(4 * v - 2), 0, 1)
    b = np.clip(1.5 - np.abs(4 * v - 1), 0, 1)
    return (np.stack([r, g, b], axis=-1) * 255).astype(np.uint8)


# ---------------------------------------------------------------------------- #
#                                  Training                                    #
# ---------------------------------------------------------------------------- #
METALEARNERS = ["logistic_regression", "naive_bayes", "support_vector_machine", "gaussian_process",
                "decision_tree", "best_model", "weighted_mean", "mlp", "k_neighbors", "random_forest"]
AGGREGATES = ["mean", "median", "majority_vote", "softmax", "global_argmax"]


def build_model(arch_dim, n_features, class_n, activation):
    resolve_architecture(arch_dim)
    seed = pretrained_weights(arch_dim)
    return TinyNet(n_features, class_n, activation, arch_dim, base_seed=seed)


def block_train(config):
    if config["path_gt"] is None:
        config["interface"] = "directory"
    else:
        config["interface"] = "csv"
    ds = input_interface(config["interface"], config["path_imagedir"], path_data=config["path_gt"],
                         training=True, ohe=config["ohe"])
    (index_list, class_ohe, class_n, class_names, image_format) = ds

    if not os.path.exists(config["path_modeldir"]):
        os.mkdir(config["path_modeldir"])

    config["multi_label"] = bool(np.sum(class_ohe) > class_ohe.shape[0])
    multilabel_metalearner_supported = ["mlp", "k_neighbors", "random_forest", "weighted_mean",
                                        "best_model", "decision_tree", "mean", "median"]
    if config["multi_label"] and config["analysis"] == "advanced" and \
       config["metalearner"] not in multilabel_metalearner_supported:
        raise ValueError("Non-compatible metalearner selected for multi-label classification. "
                         "Supported metalearner:", multilabel_metalearner_supported)

    config["class_names"] = class_names
    with open(os.path.join(config["path_modeldir"], "meta.training.json"), "w") as json_io:
        json.dump(config, json_io)

    activation = "sigmoid" if config["multi_label"] else "softmax"
    dim = "3D." if config["three_dim"] else "2D."
    n_features = VOL_SIDE ** 3 if config["three_dim"] else IMG_SIDE ** 2
    batch_size = max(1, int(config["batch_size"]))
    rng = np.random.default_rng(0)
    log_lr = config["analysis"] != "minimal"

    def data():
        x = load_all(config["path_imagedir"], index_list, image_format, config["three_dim"])
        return x, class_ohe.astype(np.float32)

    modeldir = config["path_modeldir"]
    if config["analysis"] == "minimal":
        model = build_model(dim + config["architecture"], n_features, class_n, activation)
        x, y = data()
        callbacks = [CSVLogger(os.path.join(modeldir, "logs.training.csv"))]
        history = train_transfer(model, (x, y), None, config["epochs"], callbacks, batch_size, log_lr, rng)
        model.save(os.path.join(modeldir, "model.last.keras"))
        plot_fitting({"": history}, modeldir)
    elif config["analysis"] == "standard":
        model = build_model(dim + config["architecture"], n_features, class_n, activation)
        x, y = data()
        tr, va = stratified_split(class_ohe, 0.15, seed=0)
        callbacks = [ModelCheckpoint(os.path.join(modeldir, "model.best_loss.keras")),
                     CSVLogger(os.path.join(modeldir, "logs.training.csv")),
                     ReduceLROnPlateau(factor=0.1, patience=5, min_lr=MIN_LR),
                     EarlyStopping(patience=12)]
        history = train_transfer(model, (x[tr], y[tr]), (x[va], y[va]), config["epochs"], callbacks,
                                 batch_size, log_lr, rng)
        model.save(os.path.join(modeldir, "model.last.keras"))
        plot_fitting({"": history}, modeldir)
    else:
        if not isinstance(config["architecture"], list):
            raise ValueError("key 'architecture' in config has to be a list "
                             "if 'advanced' was selected as analysis.")
        metalearner = config["metalearner"]
        if metalearner not in METALEARNERS and metalearner not in AGGREGATES:
            raise TypeError("Unknown type of Metalearner (neither known ensembler nor Aggregate or Metalearner class)!")
        models = [build_model(dim + arch, n_features, class_n, activation) for arch in config["architecture"]]
        x, y = data()
        k = len(models)
        cache_dir = tempfile.TemporaryDirectory(prefix="aucmedi.tmp.", suffix=".composite")
        pool = np.arange(len(x))
        ml_idx = None
        if metalearner in METALEARNERS:
            pool, ml_idx = stratified_split(class_ohe, 0.15, seed=0)
        histories = {}
        base_callbacks = [ReduceLROnPlateau(factor=0.1, patience=5, min_lr=MIN_LR), EarlyStopping(patience=12)]
        for i, (tr_local, te_local) in enumerate(stratified_kfold(class_ohe[pool], k)):
            tr, te = pool[tr_local], pool[te_local]
            path_model = os.path.join(cache_dir.name, "cv_%d.model.keras" % i)
            callbacks = base_callbacks + [ModelCheckpoint(path_model),
                                          CSVLogger(os.path.join(cache_dir.name, "cv_%d.logs.csv" % i))]
            histories["cv_%d" % i] = train_transfer(models[i], (x[tr], y[tr]), (x[te], y[te]), config["epochs"],
                                                    callbacks, batch_size, log_lr, rng)
            if not os.path.exists(path_model):
                models[i].save(path_model)
        if ml_idx is not None:
            fitted = [TinyNet.load(os.path.join(cache_dir.name, "cv_%d.model.keras" % i)) for i in range(k)]
            scores = [max(auc_macro(y[ml_idx], m.predict(x[ml_idx])), 1e-3) for m in fitted]
            weights = np.array(scores) / np.sum(scores)
            with open(os.path.join(cache_dir.name, "metalearner.model.pickle"), "wb") as handle:
                pickle.dump({"metalearner": metalearner, "weights": weights.tolist(),
                             "note": "AUCMEDI stand-in: every metalearner is an AUC-weighted mean here"}, handle)
        # AUCMEDI: shutil.copytree(cache, modeldir, dirs_exist_ok=True). Copying file by file here
        # keeps a modeldir owned by someone else (but writable) usable.
        for name in sorted(os.listdir(cache_dir.name)):
            shutil.copyfile(os.path.join(cache_dir.name, name), os.path.join(modeldir, name))
        cache_dir.cleanup()
        plot_fitting(histories, modeldir)


# ---------------------------------------------------------------------------- #
#                                 Prediction                                   #
# ---------------------------------------------------------------------------- #
XAI_METHODS = ["gradcam", "gc", "gradcam++", "gc++", "gradcampp", "scorecam", "sc", "guidedbackprop", "gb",
               "integratedgradients", "ig", "guidedgradcam", "ggc", "occlusionsensitivity", "os",
               "lime", "limecon", "limepro", "saliency", "sm"]


def aggregate(preds_models, metalearner, weights=None):
    """preds_models: (n_models, n_samples, n_classes)."""
    if weights is not None:
        return np.tensordot(np.asarray(weights), preds_models, axes=1)
    if metalearner == "median":
        return np.median(preds_models, axis=0)
    if metalearner == "majority_vote":
        votes = np.zeros_like(preds_models[0])
        for p in preds_models:
            votes[np.arange(len(p)), p.argmax(axis=1)] += 1
        return votes / len(preds_models)
    if metalearner == "softmax":
        s = preds_models.sum(axis=0)
        e = np.exp(s - s.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    if metalearner == "global_argmax":
        best = preds_models.max(axis=2).argmax(axis=0)
        return preds_models[best, np.arange(preds_models.shape[1])]
    return preds_models.mean(axis=0)


def fmt_csv_float(v):
    """pandas.to_csv of a float32 column: the shortest float32 repr; NaN as empty."""
    v = np.float32(v)
    return "" if np.isnan(v) else str(v)


def block_predict(config):
    (index_list, _, _, _, image_format) = input_interface("directory", config["path_imagedir"],
                                                          path_data=None, training=False)
    if not os.path.exists(config["path_modeldir"]):
        raise FileNotFoundError(config["path_modeldir"])
    with open(os.path.join(config["path_modeldir"], "meta.training.json")) as json_file:
        meta = json.load(json_file)
    three_dim = bool(meta["three_dim"])
    class_names = meta["class_names"]

    if meta["analysis"] == "advanced":
        models = []
        for i in range(len(meta["architecture"])):
            path_model = os.path.join(config["path_modeldir"], "cv_%d.model.keras" % i)
            if not os.path.exists(path_model):
                raise FileNotFoundError("Composite model " + str(i) + " does not exist!", path_model)
            models.append(TinyNet.load(path_model))
        weights = None
        if meta["metalearner"] in METALEARNERS:
            path_ml = os.path.join(config["path_modeldir"], "metalearner.model.pickle")
            if not os.path.exists(path_ml):
                raise FileNotFoundError("Metalearner model does not exist!", path_ml)
            with open(path_ml, "rb") as handle:
                weights = pickle.load(handle)["weights"]
    else:
        path_model = os.path.join(config["path_modeldir"], "model.last.keras")
        if meta["analysis"] == "standard":
            best = os.path.join(config["path_modeldir"], "model.best_loss.keras")
            if os.path.exists(best):
                path_model = best
        models = [TinyNet.load(path_model)]
        weights = None

    batch_size = max(1, int(config["batch_size"]))
    delay = batch_delay()
    steps = int(math.ceil(len(index_list) / float(batch_size)))
    bar = Progbar(steps)
    feats, preds = [], []
    for step, idx in enumerate(batches(len(index_list), batch_size)):
        if delay:
            time.sleep(delay)
        x = load_all(config["path_imagedir"], [index_list[i] for i in idx], image_format, three_dim)
        feats.append(x)
        per_model = np.stack([m.predict(x) for m in models])
        preds.append(aggregate(per_model, meta.get("metalearner"), weights) if len(models) > 1 else per_model[0])
        bar.update(step + 1, [])
    bar.update(steps, [], finalize=True)
    preds = np.concatenate(preds) if preds else np.zeros((0, len(class_names)), np.float32)
    feats = np.concatenate(feats) if feats else None

    order = sorted(range(len(index_list)), key=lambda i: index_list[i])
    with open(config["path_pred"], "w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["SAMPLE"] + list(class_names))
        for i in order:
            writer.writerow([index_list[i]] + [fmt_csv_float(v) for v in preds[i]])

    if config["xai_method"] is not None and config["xai_directory"] is not None:
        if meta["analysis"] == "advanced":
            raise ValueError("XAI is only supported for single model pipelines!")
        if config["xai_method"].lower() not in XAI_METHODS:
            raise KeyError(config["xai_method"])
        if not os.path.exists(config["xai_directory"]):
            os.mkdir(config["xai_directory"])
        net = models[0]
        side = VOL_SIDE if three_dim else IMG_SIDE
        for i, sample in enumerate(index_list):
            ci = int(np.argmax(preds[i]))
            contrib = net.contribution(feats[i], ci)
            if three_dim:
                heat = contrib.reshape(side, side, side)[:, :, side // 2].T
            else:
                heat = contrib.reshape(side, side)
            heat = np.maximum(heat, 0.0)
            heat = heat / heat.max() if heat.max() > 0 else heat
            original = load_original(config["path_imagedir"], sample, image_format, three_dim)
            h, w = original.shape[:2]
            heat_img = Image.fromarray((heat * 255).astype(np.uint8)).resize((w, h), Image.BILINEAR)
            coloured = jet(np.asarray(heat_img, dtype=np.float32) / 255.0)
            overlay = (0.6 * original.astype(np.float32) + 0.4 * coloured.astype(np.float32)).astype(np.uint8)
            target = os.path.join(config["xai_directory"], sample + ".png")
            Image.fromarray(overlay).save(target, "PNG")


# ---------------------------------------------------------------------------- #
#                                 Evaluation                                   #
# ---------------------------------------------------------------------------- #
METRIC_ORDER = ["TP", "TN", "FP", "FN", "Sensitivity", "Specificity", "Precision", "FPR", "FNR", "FDR",
                "Accuracy", "F1", "AUC"]


def div(a, b):
    return float(a) / float(b) if b != 0 else float("nan")


def compute_metrics(preds, labels, n_labels, threshold=None):
    rows = []
    for c in range(n_labels):
        truth = labels[:, c].astype(int)
        if threshold is None:
            pred = (np.argmax(preds, axis=-1) == c).astype(int)
        else:
            pred = (preds[:, c] >= threshold).astype(int)
        tp = int(np.sum((truth == 1) & (pred == 1)))
        tn = int(np.sum((truth == 0) & (pred == 0)))
        fp = int(np.sum((truth == 0) & (pred == 1)))
        fn = int(np.sum((truth == 1) & (pred == 0)))
        values = {"TP": tp, "TN": tn, "FP": fp, "FN": fn,
                  "Sensitivity": div(tp, tp + fn), "Specificity": div(tn, tn + fp),
                  "Precision": div(tp, tp + fp), "FPR": div(fp, fp + tn), "FNR": div(fn, fn + tp),
                  "FDR": div(fp, fp + tp), "Accuracy": div(tp + tn, tp + tn + fp + fn),
                  "F1": div(2 * tp, 2 * tp + fp + fn)}
        auc = auc_binary(truth, preds[:, c])
        if auc is None:
            say("ROC AUC score is not defined.")
        else:
            values["AUC"] = auc
        for metric in METRIC_ORDER:
            if metric in values:
                rows.append((metric, float(values[metric]), c))
    return rows


def plot_barplot(rows, class_names, out_path):
    metrics = [m for m in METRIC_ORDER if m not in ("TP", "TN", "FP", "FN")]
    img = Image.new("RGB", (1200, 900), (255, 255, 255))
    draw = ImageDraw.Draw(img)
    f = font()
    draw.text((20, 10), "Performance Evaluation: Metric Overview (AUCMEDI test stand-in, not AUCMEDI)",
              fill=(0, 0, 0), font=f)
    cols, panel_w, panel_h = 3, 370, 270
    scores = {(m, c): s for (m, s, c) in rows}
    for k, metric in enumerate(metrics):
        px0 = 40 + (k % cols) * (panel_w + 20)
        py0 = 40 + (k // cols) * (panel_h + 10)
        draw.rectangle([px0, py0, px0 + panel_w - 10, py0 + 16], fill=(217, 217, 217))
        draw.text((px0 + 5, py0 + 3), metric, fill=(0, 0, 0), font=f)
        l, t, r, b = px0 + 70, py0 + 24, px0 + panel_w - 20, py0 + panel_h - 20
        draw.rectangle([l, t, r, b], outline=(0, 0, 0))
        for tick in range(0, 11, 2):
            xx = l + (r - l) * tick / 10.0
            draw.line([(xx, t), (xx, b)], fill=(235, 235, 235))
            draw.text((xx - 6, b + 3), "%.1f" % (tick / 10.0), fill=(0, 0, 0), font=f)
        n = max(1, len(class_names))
        slot = (b - t) / float(n)
        for c, name in enumerate(class_names):
            s = scores.get((metric, c))
            yy = t + slot * c
            draw.text((px0, yy + slot / 2 - 5), str(name)[:10], fill=(0, 0, 0), font=f)
            if s is not None and not math.isnan(s):
                draw.rectangle([l, yy + slot * 0.2, l + (r - l) * max(0.0, min(1.0, s)), yy + slot * 0.8],
                               fill=PALETTE[c % len(PALETTE)], outline=(0, 0, 0))
    img.save(os.path.join(out_path, "plot.performance.barplot.png"), "PNG")


def plot_confusion_matrix(preds, labels, class_names, out_path):
    n = len(class_names)
    cm = np.zeros((n, n))
    for gt, pd_ in zip(np.argmax(labels, axis=-1), np.argmax(preds, axis=-1)):
        cm[gt][pd_] += 1
    sums = cm.sum(axis=1, keepdims=True)
    pct = np.round(np.divide(cm, sums, out=np.zeros_like(cm), where=sums > 0) * 100, 2)
    size = 1000
    img = Image.new("RGB", (size, size - 100), (255, 255, 255))
    draw = ImageDraw.Draw(img)
    f = font()
    draw.text((20, 10), "Performance Evaluation: Confusion Matrix (AUCMEDI test stand-in, not AUCMEDI)",
              fill=(0, 0, 0), font=f)
    l, t = 150, 60
    cell = min(700 // max(1, n), 200)
    for gi in range(n):
        draw.text((20, t + gi * cell + cell // 2 - 5), str(class_names[gi])[:18], fill=(0, 0, 0), font=f)
        for pi in range(n):
            v = pct[gi][pi] / 100.0
            colour = tuple(int(255 + (c2 - 255) * v) for c2 in (65, 105, 225))
            box = [l + pi * cell, t + gi * cell, l + (pi + 1) * cell, t + (gi + 1) * cell]
            draw.rectangle(box, fill=colour, outline=(255, 255, 255), width=2)
            draw.text((box[0] + cell // 2 - 15, box[1] + cell // 2 - 5), "%g" % pct[gi][pi], fill=(0, 0, 0), font=f)
    for pi in range(n):
        draw.text((l + pi * cell + 5, t + n * cell + 8), str(class_names[pi])[:18], fill=(0, 0, 0), font=f)
    draw.text((l + n * cell // 2 - 25, t + n * cell + 30), "Prediction", fill=(0, 0, 0), font=f)
    draw.text((20, t - 20), "Ground Truth", fill=(0, 0, 0), font=f)
    img.save(os.path.join(out_path, "plot.performance.confusion_matrix.png"), "PNG")


def plot_roc(preds, labels, class_names, out_path):
    img = Image.new("RGB", (1000, 900), (255, 255, 255))
    draw = ImageDraw.Draw(img)
    f = font()
    draw.text((20, 10), "Performance Evaluation: ROC Curves (AUCMEDI test stand-in, not AUCMEDI)",
              fill=(0, 0, 0), font=f)
    l, t, r, b = 80, 50, 900, 830
    draw.rectangle([l, t, r, b], outline=(0, 0, 0))
    for tick in range(11):
        xx = l + (r - l) * tick / 10.0
        yy = b - (b - t) * tick / 10.0
        draw.line([(xx, t), (xx, b)], fill=(235, 235, 235))
        draw.line([(l, yy), (r, yy)], fill=(235, 235, 235))
        draw.text((xx - 8, b + 5), "%.1f" % (tick / 10.0), fill=(0, 0, 0), font=f)
        draw.text((l - 30, yy - 5), "%.1f" % (tick / 10.0), fill=(0, 0, 0), font=f)
    draw_dashed(draw, (l, b), (r, t), (0, 0, 0))
    for c, name in enumerate(class_names):
        fpr, tpr = roc_points(labels[:, c], preds[:, c])
        pts = [(l + (r - l) * x, b - (b - t) * y) for x, y in zip(fpr, tpr) if not (math.isnan(x) or math.isnan(y))]
        colour = PALETTE[c % len(PALETTE)]
        if len(pts) >= 2:
            draw.line(pts, fill=colour, width=3)
        draw.line([(r - 160, t + 15 + 14 * c), (r - 140, t + 15 + 14 * c)], fill=colour, width=3)
        draw.text((r - 135, t + 10 + 14 * c), str(name)[:20], fill=(0, 0, 0), font=f)
    draw.text(((l + r) // 2 - 60, b + 25), "False Positive Rate", fill=(0, 0, 0), font=f)
    draw.text((5, t - 20), "True Positive Rate", fill=(0, 0, 0), font=f)
    img.save(os.path.join(out_path, "plot.performance.roc.png"), "PNG")


def block_evaluate(config):
    if config["path_gt"] is None:
        config["interface"] = "directory"
    else:
        config["interface"] = "csv"
    (index_list, class_ohe, class_n, class_names, image_format) = input_interface(
        config["interface"], config["path_imagedir"], path_data=config["path_gt"], training=True, ohe=config["ohe"])
    if not os.path.exists(config["path_evaldir"]):
        os.mkdir(config["path_evaldir"])

    with open(config["path_pred"], newline="") as handle:
        rows = list(csv.reader(handle))
    pred_header, pred_rows = rows[0], [r for r in rows[1:] if r]

    gt_samples = []
    for sample in index_list:
        if os.path.sep in sample:
            sample = sample.split(os.path.sep)[-1]
        if image_format is None and split_format(sample)[1] and is_acceptable(split_format(sample)[1]):
            sample = split_format(sample)[0]
        gt_samples.append(sample)
    gt_by_sample = {s: class_ohe[i] for i, s in enumerate(gt_samples)}

    # As AUCMEDI: predictions and labels are merged on SAMPLE, and the merged table is cut by position,
    # not by class name: its first class_n columns after SAMPLE are the predictions, the rest the labels.
    # Labels in another order than the predictions are scored against the wrong columns; a number of
    # classes other than the predictions' fails, as scikit-learn does on such a mix.
    if len(pred_header) - 1 != class_n:
        raise ValueError("Classification metrics can't handle a mix of continuous-multioutput and multilabel-indicator targets")
    data_pd, data_gt = [], []
    for r in pred_rows:
        if r[0] in gt_by_sample:
            data_pd.append([float(r[i]) if r[i] != "" else float("nan") for i in range(1, class_n + 1)])
            data_gt.append(gt_by_sample[r[0]])
    if not data_pd:
        raise ValueError("No sample of %s matches the ground truth of %s" % (config["path_pred"], config["path_imagedir"]))
    data_pd = np.array(data_pd, dtype=np.float64)
    data_gt = np.array(data_gt, dtype=np.int64)

    multi_label = bool(np.sum(data_pd) > (class_ohe.shape[0] + 1.5))
    rows = compute_metrics(data_pd, data_gt, class_n, 0.5 if multi_label else None)
    with open(os.path.join(config["path_evaldir"], "metrics.performance.csv"), "w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["metric", "score", "class"])
        for metric, score, c in rows:
            writer.writerow([metric, "" if math.isnan(score) else repr(score), class_names[c]])
    plot_barplot(rows, class_names, config["path_evaldir"])
    if not multi_label:
        plot_confusion_matrix(data_pd, data_gt, class_names, config["path_evaldir"])
    plot_roc(data_pd, data_gt, class_names, config["path_evaldir"])


# ---------------------------------------------------------------------------- #
#                        Command line (as AUCMEDI 0.11.0)                      #
# ---------------------------------------------------------------------------- #
def cli_core():
    desc = """ AutoML command-line interface for AUCMEDI: a framework for
               Automated Classification of Medical Images -- TEST STAND-IN, not AUCMEDI """
    parser = argparse.ArgumentParser(prog="aucmedi", description=desc)
    parser.add_argument("-v", "--version", action="version",
                        version="%(prog)s_v" + VERSION + " (" + STANDIN_NOTE + ")")
    subparsers = parser.add_subparsers(title="Application Modes", dest="hub")
    return parser, subparsers


def cli_training(subparsers):
    p = subparsers.add_parser("training", help=" Pipeline hub for Training via AUCMEDI AutoML (stand-in) ",
                              add_help=False)
    od = p.add_argument_group("Arguments - I/O")
    od.add_argument("--path_imagedir", type=str, required=False, default="training",
                    help="Path to the directory containing the images (default: '%(default)s')")
    od.add_argument("--path_modeldir", type=str, required=False, default="model",
                    help="Path to the output directory in which fitted models and metadata are stored "
                         "(default: '%(default)s')")
    od.add_argument("--path_gt", type=str, required=False,
                    help="Path to the index/class annotation CSV file (only required for defining the ground "
                         "truth via 'csv' instead of 'directory' interface)")
    od.add_argument("--ohe", action="store_true", required=False, default=False,
                    help="Boolean option whether annotation data is sparse categorical or one-hot encoded "
                         "(only required for interface 'csv' and multi-label data, default: '%(default)s')")
    oc = p.add_argument_group("Arguments - Configuration")
    oc.add_argument("--analysis", type=str, required=False, default="standard",
                    choices=["minimal", "standard", "advanced"],
                    help="Analysis mode for the AutoML training (default: '%(default)s')")
    oc.add_argument("--three_dim", action="store_true", required=False, default=False,
                    help="Boolean, whether imaging data is 2D or 3D (default: '%(default)s')")
    oc.add_argument("--shape_3D", type=str, required=False, default="128x128x128",
                    help="Desired input shape of 3D volume for architecture (will be cropped into, "
                         "format: '1x2x3', default: '%(default)s')")
    oc.add_argument("--epochs", type=int, required=False, default=500,
                    help="Number of epochs. A single epoch is defined as one iteration through the complete "
                         "data set (default: '%(default)s')")
    oc.add_argument("--batch_size", type=int, required=False, default=24,
                    help="Number of samples inside a single batch (default: '%(default)s')")
    oc.add_argument("--workers", type=int, required=False, default=1,
                    help="Number of workers/threads which preprocess batches during runtime "
                         "(default: '%(default)s')")
    oc.add_argument("--metalearner", type=str, required=False, default="mean",
                    help="Key for Metalearner or Aggregate function (default: '%(default)s')")
    oc.add_argument("--architecture", type=str, required=False, default="DenseNet121",
                    help="Key of single or multiple Architectures (multiple Architectures are only supported "
                         "for 'analysis=advanced', format: 'KEY' or 'KEY,KEY,KEY', default: '%(default)s')")
    oo = p.add_argument_group("Arguments - Other")
    oo.add_argument("-h", "--help", action="help", help="show this help message and exit")


def cli_prediction(subparsers):
    p = subparsers.add_parser("prediction", help=" Pipeline hub for Inference via AUCMEDI AutoML (stand-in) ",
                              add_help=False)
    od = p.add_argument_group("Arguments - I/O")
    od.add_argument("--path_imagedir", type=str, required=False, default="test",
                    help="Path to the directory containing the images (default: '%(default)s')")
    od.add_argument("--path_modeldir", type=str, required=False, default="model",
                    help="Path to the model directory in which fitted model weights and metadata are stored "
                         "(default: '%(default)s')")
    od.add_argument("--path_pred", type=str, required=False, default="preds.csv",
                    help="Path to the output file in which predicted csv file should be stored "
                         "(default: '%(default)s')")
    oc = p.add_argument_group("Arguments - Configuration")
    oc.add_argument("--xai_method", type=str, required=False,
                    help="Key for XAI method (default: '%(default)s')")
    oc.add_argument("--xai_directory", type=str, required=False, default="xai",
                    help="Path to the output directory in which predicted image xai heatmaps should be stored "
                         "(default: '%(default)s')")
    oc.add_argument("--batch_size", type=int, required=False, default=12,
                    help="Number of samples inside a single batch (default: '%(default)s')")
    oc.add_argument("--workers", type=int, required=False, default=1,
                    help="Number of workers/threads which preprocess batches during runtime "
                         "(default: '%(default)s')")
    oo = p.add_argument_group("Arguments - Other")
    oo.add_argument("-h", "--help", action="help", help="show this help message and exit")


def cli_evaluation(subparsers):
    p = subparsers.add_parser("evaluation", help=" Pipeline hub for Evaluation via AUCMEDI AutoML (stand-in) ",
                              add_help=False)
    od = p.add_argument_group("Arguments - I/O")
    od.add_argument("--path_imagedir", type=str, required=False, default="training",
                    help="Path to the directory containing the ground truth images (default: '%(default)s')")
    od.add_argument("--path_gt", type=str, required=False,
                    help="Path to the index/class annotation CSV file (only required for defining the ground "
                         "truth via 'csv' instead of 'directory' interface)")
    od.add_argument("--ohe", action="store_true", required=False, default=False,
                    help="Boolean option whether annotation data is sparse categorical or one-hot encoded "
                         "(only required for interface 'csv' and multi-label data, default: '%(default)s')")
    od.add_argument("--path_pred", type=str, required=False, default="preds.csv",
                    help="Path to the output file in which predicted csv file are stored (default: '%(default)s')")
    od.add_argument("--path_evaldir", type=str, required=False, default="evaluation",
                    help="Path to the directory in which evaluation figures and tables should be stored "
                         "(default: '%(default)s')")
    oo = p.add_argument_group("Arguments - Other")
    oo.add_argument("-h", "--help", action="help", help="show this help message and exit")


def parse_cli(args):
    config = vars(args)
    if config["hub"] == "training":
        config["shape_3D"] = tuple(map(int, config["shape_3D"].split("x")))
        if "," in config["architecture"]:
            config["architecture"] = config["architecture"].split(",")
    return config


def main():
    parser, subparsers = cli_core()
    cli_training(subparsers)
    cli_prediction(subparsers)
    cli_evaluation(subparsers)
    if len(sys.argv) <= 1:
        parser.print_help(sys.stderr)
        sys.exit(1)
    args = parser.parse_args()
    config = parse_cli(args)
    if config["hub"] is None:
        parser.print_help(sys.stderr)
        sys.exit(1)
    tf_startup_logs()
    if config["hub"] == "training":
        block_train(config)
    if config["hub"] == "prediction":
        block_predict(config)
    if config["hub"] == "evaluation":
        block_evaluate(config)


if __name__ == "__main__":
    main()
