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
#    KERAS_HOME, HOME             Keras cache (weights in <cache>/models).     #
#    STANDIN_KERAS_GENERATION     2 or 3 (default): how get_file finds it.    #
# ============================================================================ #
"""aucmedi -- test stand-in for the AUCMEDI AutoML CLI (not AUCMEDI)."""

import argparse
import csv
import datetime
import gzip
import hashlib
import io
import json
import math
import multiprocessing
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

# AUCMEDI's console entry (setup.py: aucmedi.automl.main:main) imports every mode's packages before it
# reads an option, so an image whose packages do not import fails every command, `-v` included. The
# stand-in imports its stand-ins of them (probe-modules/, README.md) the same way, when it runs as the
# `aucmedi` command (not when a test imports this file as a module named aucmedi).
if __name__ == "__main__":
    import aucmedi.automl.main  # noqa: E402,F401

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

# Keras's Progbar redraws in place ("dynamic display") when stdout is a TTY, or in a notebook, or
# whenever Python's `posix` module is loaded, which it always is on Linux: TTY or not, the bar is
# redrawn with \b and \r (tf_keras/utils/generic_utils.py Progbar.__init__ `_dynamic_display`,
# Keras 3 keras/src/utils/progbar.py alike). Only a non-POSIX Python prints a line per update.
DYNAMIC_DISPLAY = (sys.stdout.isatty() or "ipykernel" in sys.modules or "posix" in sys.modules
                   or "PYCHARM_HOSTED" in os.environ)


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
    """Keras callbacks print '\\nEpoch 3: ...', TTY or not (tf_keras/callbacks.py ModelCheckpoint,
    ReduceLROnPlateau): the newline ends the bar drawn so far."""
    out("\n" + line + "\n")


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
    """The Keras (TF 2.x) progress bar, verbose=1 (tf_keras/utils/generic_utils.py Progbar.update):
    at most one draw per `interval` seconds and always the final one; with dynamic display (always
    on Linux) each draw starts with \\b over the previous one and \\r, else with a newline."""

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
        return time.time() - self._last_update >= self.interval

    def update(self, current, values, finalize=False):
        if not self.due(finalize):
            return
        now = time.time()
        prev_total_width = self._total_width
        message = ("\b" * prev_total_width + "\r") if DYNAMIC_DISPLAY else "\n"
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
        if prev_total_width > self._total_width:
            info += " " * (prev_total_width - self._total_width)
        if finalize:
            info += "\n"
        out(message + info)
        self._last_update = now


# ---------------------------------------------------------------------------- #
#                               Data interfaces                                #
# ---------------------------------------------------------------------------- #
def is_acceptable(fmt):
    """io_directory.py / io_csv.py: `format.lower() in allowed or format.upper() in allowed`."""
    return fmt.lower() in ACCEPTABLE_IMAGE_FORMATS or fmt.upper() in ACCEPTABLE_IMAGE_FORMATS


def get_dummies(values):
    """pd.get_dummies(list): one column per distinct value, in sorted order, so a class without
    samples gets no column."""
    columns = sorted(set(values))
    index = {v: i for i, v in enumerate(columns)}
    ohe = np.zeros((len(values), len(columns)), dtype=np.int64)
    for row, v in enumerate(values):
        ohe[row, index[v]] = 1
    return ohe


def directory_loader(path_imagedir, training=True):
    """aucmedi/data_processing/io_interfaces/io_directory.py, line for line: every entry of a class
    folder is a sample (hidden files, notes and sub-folders too), only folders are classes; a flat
    folder names every sample with the length of the first acceptable extension."""
    image_format = None
    index_list = []
    if training:
        class_names = []
        classes_sparse = []
        for c, subdirectory in enumerate(sorted(os.listdir(path_imagedir))):
            if not os.path.isdir(os.path.join(path_imagedir, subdirectory)):
                continue
            class_names.append(subdirectory)
            path_sd = os.path.join(path_imagedir, subdirectory)
            for file in sorted(os.listdir(path_sd)):
                index_list.append(os.path.join(subdirectory, file))
                classes_sparse.append(c)
        class_n = len(class_names)
        class_ohe = get_dummies(classes_sparse)
        return index_list, class_ohe, class_n, class_names, image_format
    fmt = ""
    for file in sorted(os.listdir(path_imagedir)):
        if image_format is None:
            fmt = file.split(".")[-1]
            if is_acceptable(fmt):
                image_format = fmt
        index_list.append(file[:-(len(fmt) + 1)])
    if image_format is None:
        raise Exception("Unknown image format.", path_imagedir)
    return index_list, None, None, None, image_format


PANDAS_NA = {"", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
             "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"}
PANDAS_TRUE = {"True", "TRUE", "true"}
PANDAS_FALSE = {"False", "FALSE", "false"}


def pandas_column(values):
    """What pd.read_csv makes of one column: ints when every value is a whole number, floats when
    every value is a number (or a number and NA), booleans when every value is True/False, else
    text with NA tokens as NaN."""
    present = [v for v in values if v not in PANDAS_NA]
    has_na = len(present) != len(values)

    def all_parse(conv):
        try:
            for v in present:
                conv(v)
            return True
        except ValueError:
            return False

    integer = lambda v: int(v) if v.strip() == v and v.lstrip("+-").isdigit() else int("x")
    if present and all_parse(integer) and not has_na:
        return [int(v) for v in values]
    if all_parse(float):
        return [float("nan") if v in PANDAS_NA else float(v) for v in values]
    if present and not has_na and all(v in PANDAS_TRUE or v in PANDAS_FALSE for v in present):
        return [v in PANDAS_TRUE for v in values]
    return [float("nan") if v in PANDAS_NA else v for v in values]


def read_csv_pandas(path_data):
    """pd.read_csv(path_data, sep=",", header=0): comma only, blank lines skipped, a line with more
    fields than the header is a tokenizing error, every column typed as pandas types it."""
    with open(path_data, newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle, delimiter=","))
    header, body = rows[0], [r for r in rows[1:] if r]
    for number, row in enumerate(body, start=2):
        if len(row) > len(header):
            raise Exception("Error tokenizing data. C error: Expected %d fields in line %d, saw %d"
                            % (len(header), number, len(row)))
    columns = {}
    for j, name in enumerate(header):
        columns[name] = pandas_column([row[j] if j < len(row) else "" for row in body])
    return header, columns


def csv_loader(path_data, path_imagedir, training=True, ohe=False,
               col_sample="SAMPLE", col_class="CLASS"):
    """aucmedi/data_processing/io_interfaces/io_csv.py, line for line."""
    header, dt = read_csv_pandas(path_data)
    if col_sample in dt:
        index_list = dt[col_sample]
    else:
        raise Exception("Sample column (" + str(col_sample) + ") not available in CSV file!", path_data)
    index_list = [str(index) for index in index_list]
    image_format = None
    for file in os.listdir(path_imagedir):
        fmt = file.split(".")[-1]
        if is_acceptable(fmt):
            image_format = fmt
            break
    if image_format is None:
        raise Exception("Unknown image format.", path_imagedir)
    if index_list[0].endswith("." + image_format):
        image_format = None
    for sample in index_list:
        img_file = sample + "." + image_format if image_format else sample
        path_img = os.path.join(path_imagedir, img_file)
        if not os.path.exists(path_img):
            raise Exception("Image does not exist / not accessible!", 'Sample: "' + sample + '"', path_img)
    if not training:
        return index_list, None, None, None, image_format
    if not ohe:
        if col_class not in dt:
            raise Exception("Provided classification column not in dataset!")
        classes_sparse = dt[col_class]
        class_names = sorted(set(classes_sparse))      # np.unique: TypeError on NaN among text, as numpy
        class_n = len(class_names)
        class_ohe = get_dummies(classes_sparse)
    else:
        class_names = [h for h in header if h != col_sample]
        class_n = len(class_names)
        class_ohe = np.array([dt[h] for h in class_names], dtype=np.float64).T
    if len(index_list) != len(class_ohe):
        raise Exception("Numbers of samples and annotations do not match!", len(index_list), len(class_ohe))
    return index_list, class_ohe, class_n, class_names, image_format


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


MET_TYPES = {"MET_UCHAR": np.uint8, "MET_CHAR": np.int8, "MET_USHORT": np.uint16, "MET_SHORT": np.int16,
             "MET_UINT": np.uint32, "MET_INT": np.int32, "MET_FLOAT": np.float32, "MET_DOUBLE": np.float64}


def read_mha(path):
    """A minimal MetaImage reader for single files (.mha, ElementDataFile = LOCAL)."""
    with open(path, "rb") as handle:
        raw = handle.read()
    header, offset = {}, 0
    while offset < len(raw):
        end = raw.index(b"\n", offset)
        key, _, value = raw[offset:end].decode("latin-1").partition("=")
        header[key.strip()] = value.strip()
        offset = end + 1
        if key.strip() == "ElementDataFile":
            break
    if header.get("ElementDataFile") != "LOCAL":
        raise RuntimeError("The AUCMEDI stand-in reads only single-file MetaImage volumes: %s" % path)
    dims = [int(d) for d in header["DimSize"].split()]
    dtype = np.dtype(MET_TYPES[header["ElementType"]])
    if header.get("BinaryDataByteOrderMSB", header.get("ElementByteOrderMSB", "False")) == "True":
        dtype = dtype.newbyteorder(">")
    data = raw[offset:]
    if header.get("CompressedData") == "True":
        data = __import__("zlib").decompress(data)
    vol = np.frombuffer(data, dtype=dtype, count=int(np.prod(dims))).reshape(dims[::-1]).T.astype(np.float32)
    while vol.ndim < 3:
        vol = vol[..., np.newaxis]
    return vol


def read_volume(path):
    """sitk.ReadImage (io_loader/sitk_loader.py): the reader is chosen by the file's extension, and
    a path that no reader takes fails as SimpleITK does (a hidden file, a note, a folder)."""
    low = path.lower()
    if low.endswith(".nii") or low.endswith(".nii.gz"):
        return read_nifti(path)
    if low.endswith(".mha"):
        return read_mha(path)
    raise RuntimeError("Exception thrown in SimpleITK ImageFileReader_Execute: "
                       "Unable to determine ImageIO reader for \"%s\"" % path)


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
        vol = read_volume(path)
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
        vol = read_volume(path)
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
# Which Keras the image has: "3" (Keras 3, as in an image built from tensorflow:latest-gpu) or "2"
# (Keras 2, TensorFlow 2.15 as AUCMEDI 0.11.0's requirements.txt pins). Set per image by build.sh.
KERAS_GENERATION_ENV = "STANDIN_KERAS_GENERATION"
# A test image may carry a hash table of its own (build.sh AUCMEDI_STANDIN_WEIGHTS_HASHES_FILE): file
# name -> {"algorithm", "value"} or null, over the real one below. The default image has none.
TEST_WEIGHTS_HASHES_FILE = "/usr/local/share/aucmedi-stand-in/test-weights-hashes.json"

KERAS_APPS = "https://storage.googleapis.com/tensorflow/keras-applications/"
# key -> (origin, file name, file_hash) as the Keras applications pass them to get_file (no top):
# tf-keras v2.15.0 tf_keras/applications/*.py; Keras 3 keras/src/applications/*.py has the same
# names and hashes. md5 unless 64 hex digits (ConvNeXt: sha256); MobileNet(V2) pass no hash.
ARCH_2D = {"Vanilla": None}
for _k, _h in (("121", "30ee3e1110167f948a6b9946edeeb738"), ("169", "b8c4d4c20dd625c148057b9ff1c1176b"),
               ("201", "c13680b51ded0fb44dff2d8f86ac8bb1")):
    _f = "densenet%s_weights_tf_dim_ordering_tf_kernels_notop.h5" % _k
    ARCH_2D["DenseNet" + _k] = (KERAS_APPS + "densenet/" + _f, _f, _h)
for _k, _h in (("50", "4d473c1dd8becc155b73f8504c6f6626"), ("101", "88cf7a10940856eca736dc7b7e228a21"),
               ("152", "ee4c566cf9a93f14d82f913c2dc6dd0c"), ("50V2", "fac2f116257151a9d068a22e544a4917"),
               ("101V2", "c0ed64b8031c3730f411d2eb4eea35b5"), ("152V2", "ed17cf2e0169df9d443503ef94b23b33")):
    _f = "resnet%s_weights_tf_dim_ordering_tf_kernels_notop.h5" % _k.lower()
    ARCH_2D["ResNet" + _k] = (KERAS_APPS + "resnet/" + _f, _f, _h)
for _k, _h in enumerate(("50bc09e76180e00e4465e1a485ddc09d", "74c4e6b3e1f6a1eea24c589628592432",
                         "111f8e2ac8aa800a7a99e3239f7bfb39", "af6d107764bb5b1abb91932881670226",
                         "ebc24e6d6c33eaebbd558eafbeedf1ba", "38879255a25d3c92d5e44e04ae6cec6f",
                         "9ecce42647a20130c1f39a5d4cb75743", "cbcfe4450ddf6f3ad90b1b398090fe4a")):
    _f = "efficientnetb%d_notop.h5" % _k
    ARCH_2D["EfficientNetB%d" % _k] = ("https://storage.googleapis.com/keras-applications/" + _f, _f, _h)
for _k, _h in (("Tiny", "d547c096cabd03329d7be5562c5e14798aa39ed24b474157cef5e85ab9e49ef1"),
               ("Small", "6fc8009faa2f00c1c1dfce59feea9b0745eb260a7dd11bee65c8e20843da6eab"),
               ("Base", "40a20c5548a5e9202f69735ecc06c990e6b7c9d2de39f0361e27baeb24cb7c45"),
               ("Large", "96f02b6f0753d4f543261bc9d09bed650f24dd6bc02ddde3066135b63d23a1cd")):
    _f = "convnext_%s_notop.h5" % _k.lower()
    ARCH_2D["ConvNeXt" + _k] = (KERAS_APPS + "convnext/" + _f, _f, _h)
for _k, _d, _f, _h in (
        ("InceptionResNetV2", "inception_resnet_v2/", "inception_resnet_v2_weights_tf_dim_ordering_tf_kernels_notop.h5", "d19885ff4a710c122648d3b5c3b684e4"),
        ("InceptionV3", "inception_v3/", "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5", "bcbd6486424b2319ff4ef7d526e38f63"),
        ("MobileNet", "mobilenet/", "mobilenet_1_0_224_tf_no_top.h5", None),
        ("MobileNetV2", "mobilenet_v2/", "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5", None),
        ("NASNetMobile", "nasnet/NASNet-mobile-no-top.h5", "nasnet_mobile_no_top.h5", "1ed92395b5b598bdda52abe5c0dbfd63"),
        ("NASNetLarge", "nasnet/NASNet-large-no-top.h5", "nasnet_large_no_top.h5", "d81d89dc07e6e56530c4e77faddd61b5"),
        ("VGG16", "vgg16/", "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5", "6d6bbae143d832006294945121d1f1fc"),
        ("VGG19", "vgg19/", "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5", "253f8cb515780f3b799900260a226db6"),
        ("Xception", "xception/", "xception_weights_tf_dim_ordering_tf_kernels_notop.h5", "b0042744bf5b25fce3cb969f33bebb97")):
    ARCH_2D[_k] = (KERAS_APPS + _d + ("" if _d.endswith(".h5") else _f), _f, _h)
# 3D: classification_models_3D 1.0.10 (AUCMEDI 0.11.0's pin) weights.py, include_top False:
# get_file(name, url, cache_subdir='models', md5_hash=md5), name <model>_inp_channel_3_tch_0_top_False.h5.
CM3D_RELEASES = "https://github.com/ZFTurbo/classification_models_3D/releases/download/v1.0.4/"
CM3D_WEIGHTS = {
    "DenseNet121": ("densenet121", "1787a6780f62f338d481c460205443cd"),
    "DenseNet169": ("densenet169", "757a04f7ba7e473188bbbc6035f27193"),
    "DenseNet201": ("densenet201", "3ff42d034c530cb48f53576bfc68d06d"),
    "ResNet18": ("resnet18", "1d04dd6c1f00b7bf4ba883c61bedeac8"),
    "ResNet34": ("resnet34", "b7f3bcdc67c8614ba018c9fc5f75fc64"),
    "ResNet50": ("resnet50", "2ba65fa189439a493ea8d1b22439ea2a"),
    "ResNet101": ("resnet101", "fead4c03863fce1037fc35938b00ee56"),
    "ResNet152": ("resnet152", "4746b59c632b2e2d02d4abbceed605a7"),
    "ResNeXt50": ("resnext50", "70c1759765a44a242ea3e8fe2161eb15"),
    "ResNeXt101": ("resnext101", "ca22ebb2456f2d05deddf0ab347e7782"),
    "MobileNet": ("mobilenet", "88915a4dcfde7a1f223f6bc172078c7b"),
    "MobileNetV2": ("mobilenetv2", "71cbf6db03cbf59930abc61e727cfa37"),
    "VGG16": ("vgg16", "240d399c45ed038a5a7b026d750ceb2b"),
    "VGG19": ("vgg19", "e081e19678fc76926a9f6ae93cd3d068"),
    "ConvNeXtTiny": ("convnext_tiny", "59c10a59d579c9c80b15bfa15338c5eb"),
    "ConvNeXtSmall": ("convnext_small", "00493a929302889d846f17a1bfdc0e42"),
    "ConvNeXtBase": ("convnext_base", "c5d2585da9d3f3a6d7443cb19e5cea44"),
    "ConvNeXtLarge": ("convnext_large", "e622f26fcbac66cd3d71cdf1a2a785ff"),
}
ARCH_3D = ["Vanilla"] + list(CM3D_WEIGHTS)
ARCHITECTURES = {"2D." + k: k for k in ARCH_2D}
ARCHITECTURES.update({"3D." + k: k for k in ARCH_3D})


def keras_generation():
    generation = os.environ.get(KERAS_GENERATION_ENV, "3")
    if generation not in ("2", "3"):
        raise ValueError("%s must be 2 or 3, not %r" % (KERAS_GENERATION_ENV, generation))
    return generation


def keras_home():
    """Keras 3 keras/src/backend/config.py: KERAS_HOME, else ~/.keras (/tmp/.keras when ~ is not writable)."""
    if "KERAS_HOME" in os.environ:
        return os.environ.get("KERAS_HOME")
    base = os.path.expanduser("~")
    if not os.access(base, os.W_OK):
        base = "/tmp"
    return os.path.join(base, ".keras")


def _urlretrieve(origin, target):
    """There is no network for the stand-in, ever: fail the way a container without
    network fails (getaddrinfo EAI_AGAIN), without trying (urlopen fails before the
    target is opened, as in urllib.request.urlretrieve)."""
    raise urllib.error.URLError(socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution"))


def keras_models_dir(cache_subdir="models"):
    """The start of get_file. Keras 2 (tf-keras v2.15.0 tf_keras/utils/data_utils.py):
    cache_dir = ~/.keras, KERAS_HOME ignored. Keras 3 (keras/src/utils/file_utils.py):
    cache_dir = keras_home(). Both: /tmp/.keras instead when cache_dir is not writable."""
    if keras_generation() == "2":
        cache_dir = os.path.join(os.path.expanduser("~"), ".keras")
    else:
        cache_dir = keras_home()
    datadir_base = os.path.expanduser(cache_dir)
    if not os.access(datadir_base, os.W_OK):
        datadir_base = os.path.join("/tmp", ".keras")
    datadir = os.path.join(datadir_base, cache_subdir)
    os.makedirs(datadir, exist_ok=True)
    return datadir


def _resolve_hasher(algorithm, file_hash=None):
    if algorithm == "sha256":
        return hashlib.sha256()
    if algorithm == "auto" and file_hash is not None and len(file_hash) == 64:
        return hashlib.sha256()
    return hashlib.md5()


def validate_file(fpath, file_hash, algorithm="auto", chunk_size=65535):
    hasher = _resolve_hasher(algorithm, file_hash)
    with open(fpath, "rb") as handle:
        for chunk in iter(lambda: handle.read(chunk_size), b""):
            hasher.update(chunk)
    return str(hasher.hexdigest()) == str(file_hash)


def get_file(fname, origin, file_hash=None, hash_algorithm="auto"):
    """get_file(fname, origin, cache_subdir="models", file_hash=...) of both generations: a cached
    file is used only when its hash is file_hash; otherwise it is downloaded again, which fails
    offline, and the failed download removes the cached file (on a read-only mount that removal
    fails too: OSError [Errno 30], raised while handling the URL fetch failure, as in Keras)."""
    fpath = os.path.join(keras_models_dir(), fname)
    download = False
    if os.path.exists(fpath):
        if file_hash is not None and not validate_file(fpath, file_hash, algorithm=hash_algorithm):
            say("A local file was found, but it seems to be incomplete or outdated because the "
                "%s file hash does not match the original value of %s so we will re-download "
                "the data." % (hash_algorithm, file_hash))
            download = True
    else:
        download = True
    if download:
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
            if os.path.exists(fpath):
                os.remove(fpath)
            raise
    return fpath


def weights_hashes():
    """File name -> (hash, algorithm) or None: the real table, under a test image's own table."""
    table = {fname: (h, "auto") for (_o, fname, h) in filter(None, ARCH_2D.values())}
    for model, md5 in CM3D_WEIGHTS.values():
        table["%s_inp_channel_3_tch_0_top_False.h5" % model] = (md5, "md5")
    if os.path.exists(TEST_WEIGHTS_HASHES_FILE):
        with open(TEST_WEIGHTS_HASHES_FILE) as handle:
            for fname, entry in json.load(handle).items():
                table[fname] = (entry["value"], table.get(fname, (None, "auto"))[1]) if entry else (None, "auto")
    return table


def pretrained_weights(arch_dim):
    """Returns a seed derived from the pretrained weights file (None for Vanilla)."""
    dim, key = arch_dim.split(".", 1)
    if key == "Vanilla":
        return None
    if dim == "2D":
        origin, fname, _ = ARCH_2D[key]
    else:
        fname = "%s_inp_channel_3_tch_0_top_False.h5" % CM3D_WEIGHTS[key][0]
        origin = CM3D_RELEASES + fname
    file_hash, algorithm = weights_hashes().get(fname, (None, "auto"))
    path = get_file(fname, origin, file_hash=file_hash, hash_algorithm=algorithm)
    with open(path, "rb") as handle:
        head = handle.read(1 << 20)
    if not head:
        raise OSError("Unable to synchronously open file (file signature not found)")
    return int.from_bytes(hashlib.sha256(head).digest()[:4], "little")


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
        for cb in callbacks:
            if log_lr and isinstance(cb, ReduceLROnPlateau):
                # Keras's ReduceLROnPlateau puts the rate into the epoch's logs itself, before it may
                # lower it (tf_keras/callbacks.py `logs["lr"]`, Keras 3 `logs["learning_rate"]`): the
                # callbacks before it in AUCMEDI's list (ModelCheckpoint, CSVLogger: block_train.py)
                # never see it, so logs.training.csv has no learning-rate column; the bar, printed
                # after every callback, shows it.
                logs["lr" if keras_generation() == "2" else "learning_rate"] = np.float32(net.lr)
            cb.on_epoch_end(epoch, logs, ctx)
        bar.update(steps, list(logs.items()), finalize=True)
        history.append(dict(logs, epoch=epoch))
        if ctx.stop_training:
            break
    for cb in callbacks:
        cb.on_train_end(ctx)
    return history


def train_transfer(net, train, val, epochs, callbacks, batch_size, log_lr, rng):
    """AUCMEDI's transfer learning (aucmedi/neural_network/model.py NeuralNetwork.train with
    transfer_learning=True, which every AutoML pipeline uses): a first fit of always
    `tf_epochs=10` epochs with the base frozen at 1e-4 (`Epoch 1/10` .. `Epoch 10/10`, whatever
    --epochs says), then a second fit `epochs=epochs, initial_epoch=10` of the whole network at
    1e-5 (`Epoch 11/N` ..). Keras's fit loops `range(initial_epoch, epochs)`, so for --epochs <= 10
    the second fit trains nothing (its callbacks still begin and end): --epochs 3 trains 10 epochs."""
    net.fit_standardisation(train[0])
    net.compile(TF_LR_START)
    history = fit(net, train, val, TF_EPOCHS, 0, callbacks, ("W2", "b2"), batch_size, log_lr, rng)
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


# ---------------------------------------------------------------------------- #
#                    Ensemble: Composite (advanced analysis)                   #
# ---------------------------------------------------------------------------- #
# aucmedi/ensemble/composite.py (0.11.0): `mp.set_start_method("spawn", force=True)`, then per
# fold `mp.Process(target=__training_process__)`, `start()`, `join()`, `queue.get()`; the models
# go to a `tempfile.TemporaryDirectory(prefix="aucmedi.tmp.", suffix=".composite")` and reach the
# output folder only in `dump()` (shutil.copytree), after every fold. AUCMEDI uses pathos'
# `multiprocess` (a dill-pickling fork of `multiprocessing`, same process model); the stand-in the
# standard library. What follows from it, here as there:
#  - a stopped or failed advanced run leaves no model in the output folder (meta.training.json only);
#  - SIGINT reaches PID 1 only (the parent): KeyboardInterrupt ends its join(), the traceback is
#    printed, and then multiprocessing's atexit handler joins every non-daemon child, so the
#    container goes on until the fold under way has finished (or Docker kills it after the stop's
#    grace period; the kernel then kills the whole PID namespace); the temporary folder is removed;
#  - a child that fails puts nothing on the queue, and the parent waits in get() for ever (its
#    traceback "Process Process-1:" is the last line of the log).
def composite_training_process(queue, job):
    """composite.py __training_process__, in a spawned child: its own data, its own network."""
    x_tr = load_all(job["path_imagedir"], job["train_x"], job["image_format"], job["three_dim"])
    x_te = load_all(job["path_imagedir"], job["test_x"], job["image_format"], job["three_dim"])
    net = build_model(job["arch_dim"], job["n_features"], job["class_n"], job["activation"])
    # block_train.py's callbacks, then the ones composite.py adds per fold
    callbacks = [ReduceLROnPlateau(factor=0.1, patience=5, min_lr=MIN_LR), EarlyStopping(patience=12),
                 ModelCheckpoint(job["path_model"]), CSVLogger(job["path_log"])]
    history = train_transfer(net, (x_tr, job["train_y"]), (x_te, job["test_y"]), job["epochs"], callbacks,
                             job["batch_size"], job["log_lr"], np.random.default_rng(job["fold"]))
    queue.put(history)


def composite_prediction_process(queue, job):
    """composite.py __prediction_process__, in a spawned child."""
    x = load_all(job["path_imagedir"], job["samples"], job["image_format"], job["three_dim"])
    queue.put(TinyNet.load(job["path_model"]).predict(x))


def in_child_process(target, job):
    """One model's work in a child process, exactly in composite.py's order."""
    process_queue = multiprocessing.Queue()
    process = multiprocessing.Process(target=target, args=(process_queue, job))
    process.start()
    process.join()
    return process_queue.get()


class Composite:
    def __init__(self, config, samples, class_ohe, image_format, n_features, class_n, activation,
                 batch_size, log_lr):
        self.config = config
        self.samples = list(samples)
        self.labels = class_ohe.astype(np.float32)
        self.common = {"path_imagedir": config["path_imagedir"], "image_format": image_format,
                       "three_dim": config["three_dim"]}
        self.model_paras = {"n_features": n_features, "class_n": class_n, "activation": activation}
        self.batch_size, self.log_lr = batch_size, log_lr
        self.architectures = config["architecture"]
        self.trained_metalearner = config["metalearner"] in METALEARNERS
        self.cache_dir = None
        multiprocessing.set_start_method("spawn", force=True)

    def pick(self, idx):
        return [self.samples[i] for i in idx]

    def train(self):
        self.cache_dir = tempfile.TemporaryDirectory(prefix="aucmedi.tmp.", suffix=".composite")
        dim = "3D." if self.config["three_dim"] else "2D."
        pool, ml_idx = np.arange(len(self.samples)), None
        if self.trained_metalearner:
            pool, ml_idx = stratified_split(self.labels, 0.15, seed=0)
        histories = {}
        for i, (tr_local, te_local) in enumerate(stratified_kfold(self.labels[pool], len(self.architectures))):
            tr, te = pool[tr_local], pool[te_local]
            job = dict(self.common, **self.model_paras)
            job.update({"fold": i, "arch_dim": dim + self.architectures[i], "epochs": self.config["epochs"],
                        "batch_size": self.batch_size, "log_lr": self.log_lr,
                        "train_x": self.pick(tr), "train_y": self.labels[tr],
                        "test_x": self.pick(te), "test_y": self.labels[te],
                        "path_model": os.path.join(self.cache_dir.name, "cv_%d.model.keras" % i),
                        "path_log": os.path.join(self.cache_dir.name, "cv_%d.logs.csv" % i)})
            histories["cv_%d" % i] = in_child_process(composite_training_process, job)
        if ml_idx is not None:
            self.train_metalearner(ml_idx)
        return histories

    def train_metalearner(self, ml_idx):
        """composite.py train_metalearner: each model predicts the metalearner's share in a child."""
        scores = []
        for i in range(len(self.architectures)):
            job = dict(self.common, samples=self.pick(ml_idx),
                       path_model=os.path.join(self.cache_dir.name, "cv_%d.model.keras" % i))
            preds = in_child_process(composite_prediction_process, job)
            scores.append(max(auc_macro(self.labels[ml_idx], preds), 1e-3))
        weights = np.array(scores) / np.sum(scores)
        with open(os.path.join(self.cache_dir.name, "metalearner.model.pickle"), "wb") as handle:
            pickle.dump({"metalearner": self.config["metalearner"], "weights": weights.tolist(),
                         "note": "AUCMEDI stand-in: every metalearner is an AUC-weighted mean here"}, handle)

    def dump(self, directory_path):
        """composite.py dump: shutil.copytree(cache, directory_path, dirs_exist_ok=True), then cleanup.
        Copying file by file here keeps a modeldir owned by someone else (but writable) usable."""
        for name in sorted(os.listdir(self.cache_dir.name)):
            shutil.copyfile(os.path.join(self.cache_dir.name, name), os.path.join(directory_path, name))
        self.cache_dir.cleanup()


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
    if class_ohe.shape[1] != class_n:
        # a class folder without samples has no get_dummies column; Keras fails on the first batch
        raise ValueError("Shapes (None, %d) and (None, %d) are incompatible" % (class_ohe.shape[1], class_n))

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
        # block_train.py builds every NeuralNetwork here, in the parent, before Composite trains
        # them again one per child process: missing weights fail here, before any fold.
        for arch in config["architecture"]:
            build_model(dim + arch, n_features, class_n, activation)
        composite = Composite(config, index_list, class_ohe, image_format, n_features, class_n, activation,
                              batch_size, log_lr)
        histories = composite.train()
        composite.dump(modeldir)
        plot_fitting(histories, modeldir)


# ---------------------------------------------------------------------------- #
#                                 Prediction                                   #
# ---------------------------------------------------------------------------- #
# aucmedi/xai/methods/__init__.py xai_dict: the keys exactly (case matters).
XAI_METHODS = ["gradcam", "GradCAM", "gc", "gradcam++", "GradCAM++", "GradCAMpp", "gc++", "GuidedGradCAM", "ggc",
               "saliency", "SaliencyMap", "sm", "guidedbackprop", "GuidedBackpropagation", "gb",
               "IntegratedGradients", "ig", "OcclusionSensitivity", "os", "LimePro", "lp", "LimeCon", "lc"]


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
        # block_pred.py: minimal loads model.last.keras, standard model.best_loss.keras, and nothing else
        name = "model.best_loss.keras" if meta["analysis"] == "standard" else "model.last.keras"
        path_model = os.path.join(config["path_modeldir"], name)
        if not os.path.exists(path_model):
            # what keras.models.load_model says of a missing file (tf-keras saving_api.py; Keras 3 saving_api.py)
            if keras_generation() == "2":
                raise OSError("No file or directory found at %s" % path_model)
            raise ValueError("File not found: filepath=%s. Please ensure the file is an accessible `.keras` zip file." % path_model)
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
        if not os.path.exists(config["xai_directory"]):
            os.mkdir(config["xai_directory"])
        xai_decoder(config, models[0], index_list, image_format, feats, preds, three_dim, meta)


# ---------------------------------------------------------------------------- #
#                         XAI heat maps (xai/decoder.py)                       #
# ---------------------------------------------------------------------------- #
def xai_decoder(config, net, index_list, image_format, feats, preds, three_dim, meta):
    """aucmedi/xai/decoder.py with preds given: one heat map per sample, for its argmax class,
    overlaid on the image (alpha 0.4, jet), written to `<sample>.<image_format>` (postprocess_output:
    the generator's image_format, i.e. the extension of the first file of the prediction folder;
    an os.sep in the name becomes '.'). The writer goes by that extension
    (utils/visualizer.py): 2D `Image.save(path)` (PIL picks the format: JPEG for .jpg, and
    "unknown file extension" for .npy); 3D `visualize_volume`: .nii/.gz/.mha through SimpleITK
    (a float64 RGB vector volume at the cropped `shape_3D`), .npy through np.save, anything else
    "Visualizer does not support image format!"."""
    method = config["xai_method"]
    if method not in XAI_METHODS:
        # xai_decoder: a key not in xai_dict is taken as a method object
        raise AttributeError("'str' object has no attribute 'compute_heatmap'")
    side = VOL_SIDE if three_dim else IMG_SIDE
    rng = np.random.default_rng()
    for i, sample in enumerate(index_list):
        contrib = net.contribution(feats[i], int(np.argmax(preds[i])))
        heat = np.maximum(contrib, 0.0)
        heat = heat / heat.max() if heat.max() > 0 else heat
        xai_file = sample + "." + image_format if image_format else sample
        xai_file = xai_file.replace(os.sep, ".")
        path_xai = os.path.join(config["xai_directory"], xai_file)
        if three_dim:
            volume = xai_overlay_volume(config["path_imagedir"], sample, image_format, meta["shape_3D"], rng)
            heat_vol = heat.reshape(side, side, side).transpose(2, 1, 0)  # (x,y,z) -> SimpleITK's (z,y,x)
            for axis in range(3):
                heat_vol = resample_axis(heat_vol, axis, volume.shape[axis])
            final = jet(heat_vol).astype(np.float64) * 0.4 + 0.6 * volume
            visualize_volume(final, path_xai)
        else:
            original = load_original(config["path_imagedir"], sample, image_format, three_dim)
            h, w = original.shape[:2]
            heat_img = Image.fromarray((heat.reshape(side, side) * 255).astype(np.uint8)).resize((w, h), Image.BILINEAR)
            coloured = jet(np.asarray(heat_img, dtype=np.float32) / 255.0)
            overlay = (0.6 * original.astype(np.float32) + 0.4 * coloured.astype(np.float32)).astype(np.uint8)
            Image.fromarray(overlay).save(path_xai)


def xai_overlay_volume(path_imagedir, sample, image_format, shape, rng):
    """The overlay volume of block_pred.py's 3D pipeline (preprocess_image without resize,
    augmentation and standardisation; the subfunctions run): Standardize(mode="grayscale") to
    0..255, Padding(mode="constant") up to shape_3D, Crop(mode="random") to shape_3D,
    Chromer(target="rgb"). In SimpleITK's axis order (z, y, x), plus the colour axis."""
    vol = read_volume(sample_path(path_imagedir, sample, image_format)).transpose(2, 1, 0)
    lo, hi = float(vol.min()), float(vol.max())
    vol = (vol - lo) / (hi - lo if hi > lo else 1.0) * 255.0
    pad = [(max(0, s - n) // 2, max(0, s - n) - max(0, s - n) // 2) for n, s in zip(vol.shape, shape)]
    vol = np.pad(vol, pad, mode="constant")
    starts = [int(rng.integers(0, n - s + 1)) for n, s in zip(vol.shape, shape)]
    vol = vol[tuple(slice(a, a + s) for a, s in zip(starts, shape))]
    return np.stack([vol] * 3, axis=-1).astype(np.float64)


def visualize_volume(array, out_path):
    """aucmedi/utils/visualizer.py visualize_volume (format by the last extension)."""
    fmt = out_path.split(".")[-1]
    if fmt.lower() not in ["gif", "mha", "nii", "gz", "npy"]:
        raise ValueError("Visualizer does not support image format!")
    if fmt == "npy":
        np.save(out_path, array)
    elif fmt.lower() in ("nii", "gz"):
        write_nifti_vector(array, out_path)
    elif fmt.lower() == "mha":
        write_metaimage_vector(array, out_path)
    else:
        # AUCMEDI: an animated GIF through matplotlib; a 3D .gif input never loads in the stand-in
        raise RuntimeError("The AUCMEDI stand-in does not write animated GIF heat maps: %s" % out_path)


def write_metaimage_vector(array, out_path):
    """sitk.WriteImage of a (z, y, x, 3) float64 array to .mha: one header, the components interleaved."""
    z, y, x, c = array.shape
    header = ("ObjectType = Image\nNDims = 3\nBinaryData = True\nBinaryDataByteOrderMSB = False\n"
              "CompressedData = False\nTransformMatrix = 1 0 0 0 1 0 0 0 1\nOffset = 0 0 0\n"
              "CenterOfRotation = 0 0 0\nAnatomicalOrientation = RAI\nElementSpacing = 1 1 1\n"
              "DimSize = %d %d %d\nElementNumberOfChannels = %d\nElementType = MET_DOUBLE\n"
              "ElementDataFile = LOCAL\n" % (x, y, z, c))
    with open(out_path, "wb") as handle:
        handle.write(header.encode("ascii") + np.ascontiguousarray(array, dtype="<f8").tobytes())


def write_nifti_vector(array, out_path):
    """sitk.WriteImage(sitk.GetImageFromArray(array)) for a (z, y, x, 3) float64 array, as ITK's
    NIfTI writer stores a vector image: dim = [5, x, y, z, 1, 3], intent NIFTI_INTENT_VECTOR (1007),
    datatype FLOAT64 (64), the components one after another; gzip for a .gz name."""
    z, y, x, c = array.shape
    header = bytearray(352)
    struct.pack_into("<i", header, 0, 348)
    struct.pack_into("<8h", header, 40, 5, x, y, z, 1, c, 1, 1)
    struct.pack_into("<hhh", header, 68, 1007, 64, 64)
    struct.pack_into("<8f", header, 76, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0)
    struct.pack_into("<f", header, 108, 352.0)
    struct.pack_into("<2f", header, 112, 1.0, 0.0)
    header[123] = 2  # mm
    struct.pack_into("<hh", header, 252, 1, 0)
    header[344:348] = b"n+1\0"
    data = np.ascontiguousarray(np.moveaxis(array, -1, 0), dtype="<f8").tobytes()
    opener = gzip.open if out_path.lower().endswith(".gz") else open
    with opener(out_path, "wb") as handle:
        handle.write(bytes(header) + data)


# ---------------------------------------------------------------------------- #
#                                 Evaluation                                   #
# ---------------------------------------------------------------------------- #
# As AUCMEDI 0.11.0's aucmedi/automl/block_eval.py, aucmedi/evaluation/performance.py
# (evaluate_performance) and aucmedi/evaluation/metrics.py (compute_metrics, compute_confusion_matrix,
# compute_roc, compute_CM), step by step and with the same numpy indexing, so that it fails where they
# fail (an IndexError of numpy, a ValueError of pandas or scikit-learn) and scores what they score.
import re  # noqa: E402

METRIC_ORDER = ["TP", "TN", "FP", "FN", "Sensitivity", "Specificity", "Precision", "FPR", "FNR", "FDR",
                "Accuracy", "F1", "AUC"]
PANDAS_INT = re.compile(r"^\s*[+-]?\d+\s*$")
PANDAS_FLOAT = re.compile(r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$|^\s*$|^(nan|NaN|NA|N/A|NULL|null|inf|-inf)$")


def div(a, b):
    """np.divide of two Python ints: nan for 0/0, inf for x/0."""
    if b != 0:
        return float(a) / float(b)
    return float("nan") if a == 0 else float("inf")


def pandas_column_dtype(values):
    """The dtype pd.read_csv gives a column: int64 / float64 when every value reads as a number."""
    if values and all(PANDAS_INT.match(v) for v in values):
        return "int64"
    if values and all(PANDAS_FLOAT.match(v) for v in values):
        return "float64"
    return "object"


def binary_roc(truth, score):
    """sklearn.metrics.roc_curve (drop_intermediate=True) for a 0/1 truth: (fpr, tpr), starting at (0, 0)."""
    truth = np.asarray(truth, dtype=np.float64)
    score = np.asarray(score, dtype=np.float64)
    order = np.argsort(score, kind="mergesort")[::-1]
    score, truth = score[order], truth[order]
    idx = np.r_[np.where(np.diff(score))[0], truth.size - 1]
    tps = np.cumsum(truth)[idx]
    fps = 1 + idx - tps
    if len(fps) > 2:
        keep = np.where(np.r_[True, np.logical_or(np.diff(fps, 2), np.diff(tps, 2)), True])[0]
        fps, tps = fps[keep], tps[keep]
    tps, fps = np.r_[0, tps], np.r_[0, fps]
    with np.errstate(invalid="ignore", divide="ignore"):
        fpr = fps / fps[-1] if fps[-1] > 0 else np.full(fps.shape, np.nan)
        tpr = tps / tps[-1] if tps[-1] > 0 else np.full(tps.shape, np.nan)
    return fpr, tpr


def roc_auc_score(truth, score):
    """sklearn.metrics.roc_auc_score for a binary truth (the trapezoids under binary_roc, as
    sklearn.metrics.auc); raises where it raises (one class only, NaN, not 0/1), and compute_metrics
    then leaves the AUC out."""
    truth = np.asarray(truth, dtype=np.float64)
    score = np.asarray(score, dtype=np.float64)
    if np.isnan(score).any():
        raise ValueError("Input contains NaN.")
    if not np.isin(truth, [0, 1]).all():
        raise ValueError("continuous format is not supported")
    if len(np.unique(truth)) != 2:
        raise ValueError("Only one class present in y_true. ROC AUC score is not defined in that case.")
    fpr, tpr = binary_roc(truth, score)
    return float((np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2.0).sum())


def roc_curve(truth, score):
    """sklearn.metrics.roc_curve's points and its failures."""
    truth = np.asarray(truth)
    score = np.asarray(score, dtype=np.float64)
    if np.isnan(score).any():
        raise ValueError("Input contains NaN.")
    classes = np.unique(truth)
    if not (np.array_equal(classes, [0, 1]) or np.array_equal(classes, [-1, 1]) or np.array_equal(classes, [0])
            or np.array_equal(classes, [-1]) or np.array_equal(classes, [1])):
        raise ValueError("y_true takes value in {%s} and pos_label is not specified: either make y_true take value "
                         "in {0, 1} or {-1, 1} or pass pos_label explicitly." % ", ".join(str(c) for c in classes))
    return binary_roc(truth == 1, score)


def compute_CM(gt, pd_):
    tp = tn = fp = fn = 0
    for i in range(0, len(gt)):
        if gt[i] == 1 and pd_[i] == 1:
            tp += 1
        elif gt[i] == 1 and pd_[i] == 0:
            fn += 1
        elif gt[i] == 0 and pd_[i] == 0:
            tn += 1
        elif gt[i] == 0 and pd_[i] == 1:
            fp += 1
        else:
            say("ERROR at confusion matrix %d" % i)
    return tp, tn, fp, fn


def compute_metrics(preds, labels, n_labels, threshold=None):
    """Rows (metric, score, class index). Single-label (threshold None): a sample is predicted as the
    class of its highest probability (argmax); multi-label: as every class with probability >= threshold."""
    rows = []
    for c in range(0, n_labels):
        truth = labels[:, c]
        if threshold is None:
            pred = (np.argmax(preds, axis=-1) == c).astype(np.int8)
        else:
            pred = np.where(preds[:, c] >= threshold, 1, 0)
        pred_prob = preds[:, c]
        tp, tn, fp, fn = compute_CM(truth, pred)
        values = {"TP": tp, "TN": tn, "FP": fp, "FN": fn,
                  "Sensitivity": div(tp, tp + fn), "Specificity": div(tn, tn + fp),
                  "Precision": div(tp, tp + fp), "FPR": div(fp, fp + tn), "FNR": div(fn, fn + tp),
                  "FDR": div(fp, fp + tp), "Accuracy": div(tp + tn, tp + tn + fp + fn),
                  "F1": div(2 * tp, 2 * tp + fp + fn)}
        try:
            values["AUC"] = roc_auc_score(truth, pred_prob)
        except Exception:
            say("ROC AUC score is not defined.")
        for metric in METRIC_ORDER:
            if metric in values:
                rows.append((metric, float(values[metric]), c))
    return rows


def compute_confusion_matrix(preds, labels, n_labels):
    """rawcm[truth][predicted], both by argmax (a label row of zeros counts as the first class)."""
    preds_argmax = np.argmax(preds, axis=-1)
    labels_argmax = np.argmax(labels, axis=-1)
    rawcm = np.zeros((n_labels, n_labels))
    for i in range(0, labels.shape[0]):
        rawcm[labels_argmax[i]][preds_argmax[i]] += 1
    return rawcm


def compute_roc(preds, labels, n_labels):
    curves = []
    for i in range(0, n_labels):
        curves.append(roc_curve(labels[:, i].astype(int), preds[:, i]))
    return curves


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


def plot_confusion_matrix(cm, class_names, out_path):
    n = cm.shape[0]
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


def plot_roc(curves, class_names, out_path):
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
        fpr, tpr = curves[c]
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
    """As block_eval.py: labels from the interface, predictions merged with them on SAMPLE, the merged
    table cut by position, multi-label decided from the sum of the predictions."""
    if config["path_gt"] is None:
        config["interface"] = "directory"
    else:
        config["interface"] = "csv"
    (index_list, class_ohe, class_n, class_names, image_format) = input_interface(
        config["interface"], config["path_imagedir"], path_data=config["path_gt"], training=True, ohe=config["ohe"])
    if config["interface"] == "directory":
        # io_directory.py builds the labels with pd.get_dummies(classes_sparse): no column for a class
        # folder without samples (idempotent if the loader already does so).
        class_ohe = class_ohe[:, class_ohe.any(axis=0)] if class_ohe.ndim == 2 else class_ohe
    if not os.path.exists(config["path_evaldir"]):
        os.mkdir(config["path_evaldir"])

    with open(config["path_pred"], newline="") as handle:
        rows = list(csv.reader(handle))
    pred_header, pred_rows = rows[0], [r for r in rows[1:] if r]

    # pd.DataFrame(data=class_ohe, columns=class_names): an empty class folder fails here.
    if class_ohe.size == 0 and class_names:
        raise ValueError("Empty data passed with indices specified.")
    if class_ohe.shape[1] != len(class_names):
        raise ValueError("Shape of passed values is (%d, %d), indices imply (%d, %d)"
                         % (class_ohe.shape[0], class_ohe.shape[1], class_ohe.shape[0], len(class_names)))
    gt_samples = list(index_list)
    if not gt_samples:
        raise IndexError("single positional indexer is out-of-bounds")
    # "maybe there is a file path encoded in the index?": decided on the first sample, applied to all
    if os.path.sep in gt_samples[0]:
        gt_samples = [s.split(os.path.sep)[-1] for s in gt_samples]
    # "maybe the image format is present in the index?": the last ".<letters>" of every sample goes
    if image_format is None and re.fullmatch(r"^.*\.[A-Za-z]+$", gt_samples[0]):
        gt_samples = [".".join(s.split(".")[:-1]) for s in gt_samples]

    # df_pred.merge(df_gt, on="SAMPLE"): pandas read the predictions' SAMPLE column as numbers when
    # every name is one (001, 002, ...), and a number column does not merge with the labels' names.
    dtype = pandas_column_dtype([r[0] for r in pred_rows])
    if dtype != "object":
        raise ValueError("You are trying to merge on %s and object columns for key 'SAMPLE'. If you wish to "
                         "proceed you should use pd.concat" % dtype)
    gt_rows = {}
    for i, sample in enumerate(gt_samples):
        gt_rows.setdefault(sample, []).append(i)
    merged = []
    for r in pred_rows:
        for i in gt_rows.get(r[0], []):
            cells = r[1:len(pred_header)] + [""] * (len(pred_header) - len(r))
            values = [float(v) if v.strip() != "" else float("nan") for v in cells]
            merged.append(values + [float(v) for v in class_ohe[i]])
    width = len(pred_header) - 1 + class_n
    merged = np.array(merged, dtype=np.float64).reshape(len(merged), width)
    # cut by position, not by class name: the first class_n columns are "the predictions"
    data_pd = merged[:, 0:class_n]
    data_gt = merged[:, class_n:]

    multi_label = bool(np.sum(data_pd) > (class_ohe.shape[0] + 1.5))

    # evaluate_performance(..., multi_label=multi_label, metrics_threshold=0.5)
    n_labels = data_gt.shape[-1]
    threshold = 0.5 if multi_label else None
    rows = compute_metrics(data_pd, data_gt, n_labels, threshold)
    cm = compute_confusion_matrix(data_pd, data_gt, n_labels)
    curves = compute_roc(data_pd, data_gt, n_labels)
    names = {c: class_names[c] for c in range(len(class_names))}
    with open(os.path.join(config["path_evaldir"], "metrics.performance.csv"), "w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["metric", "score", "class"])
        for metric, score, c in rows:
            writer.writerow([metric, "" if math.isnan(score) else repr(score), names.get(c, c)])
    plot_barplot(rows, [names.get(c, c) for c in range(n_labels)], config["path_evaldir"])
    if not multi_label:
        plot_confusion_matrix(cm, class_names if len(class_names) == cm.shape[0] else list(range(cm.shape[0])),
                              config["path_evaldir"])
    plot_roc(curves, [names.get(c, c) for c in range(n_labels)], config["path_evaldir"])


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
