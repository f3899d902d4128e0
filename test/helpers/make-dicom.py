#!/usr/bin/python3
"""Writes DICOM files for the tests with Debian's pydicom, from a JSON list on stdin.

Each entry: path, and optionally rows, columns, bits_allocated, bits_stored, signed, photometric,
samples, planar, frames, modality, sop_instance_uid, series_uid, study_uid, slope, intercept,
window ([center, width]), voi_function, voi_lut ({first, bits, data}), image_position, orientation,
pixel_spacing ([row, column]), instance_number, image_type,
pixels (a file of raw little-endian samples), no_pixels (true: a non-image object such as SR),
sop_class (the SOP Class UID; default Secondary Capture, or Basic Text SR with no_pixels),
patient_name. Written as explicit VR little endian; the tests re-encode with dcmtk's dcmconv.
"""
import json
import sys

import pydicom
from pydicom.dataset import Dataset, FileDataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

SECONDARY_CAPTURE = "1.2.840.10008.5.1.4.1.1.7"
BASIC_TEXT_SR = "1.2.840.10008.5.1.4.1.1.88.11"


def write(spec):
    meta = FileMetaDataset()
    sop_class = spec.get("sop_class") or (BASIC_TEXT_SR if spec.get("no_pixels") else SECONDARY_CAPTURE)
    sop_instance = spec.get("sop_instance_uid") or generate_uid()
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = sop_instance
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = generate_uid()
    ds = FileDataset(spec["path"], {}, file_meta=meta, preamble=b"\0" * 128)
    ds.is_little_endian = True
    ds.is_implicit_VR = False
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = sop_instance
    ds.StudyInstanceUID = spec.get("study_uid") or generate_uid()
    ds.SeriesInstanceUID = spec.get("series_uid") or generate_uid()
    ds.Modality = spec.get("modality", "OT")
    ds.PatientName = spec.get("patient_name", "Doe^Jane")
    ds.PatientID = spec.get("patient_id", "PID-12345")
    if spec.get("no_pixels"):
        ds.save_as(spec["path"], write_like_original=False)
        return
    ds.Rows = spec.get("rows", 8)
    ds.Columns = spec.get("columns", 8)
    ds.BitsAllocated = spec.get("bits_allocated", 16)
    ds.BitsStored = spec.get("bits_stored", ds.BitsAllocated)
    ds.HighBit = ds.BitsStored - 1
    ds.PixelRepresentation = 1 if spec.get("signed") else 0
    ds.SamplesPerPixel = spec.get("samples", 1)
    ds.PhotometricInterpretation = spec.get("photometric", "MONOCHROME2")
    if ds.SamplesPerPixel > 1:
        ds.PlanarConfiguration = spec.get("planar", 0)
    if spec.get("frames", 1) > 1:
        ds.NumberOfFrames = spec["frames"]
    if "slope" in spec:
        ds.RescaleSlope = spec["slope"]
        ds.RescaleIntercept = spec.get("intercept", 0)
    if "window" in spec:
        ds.WindowCenter = spec["window"][0]
        ds.WindowWidth = spec["window"][1]
    if "voi_function" in spec:
        ds.VOILUTFunction = spec["voi_function"]
    if "voi_lut" in spec:
        lut = Dataset()
        data = spec["voi_lut"]["data"]
        lut.add_new(0x00283002, "US", [len(data) % 65536, spec["voi_lut"]["first"] % 65536, spec["voi_lut"]["bits"]])
        lut.add_new(0x00283006, "OW", b"".join(int(v).to_bytes(2, "little") for v in data))
        ds.VOILUTSequence = [lut]
    if "image_position" in spec:
        ds.ImagePositionPatient = spec["image_position"]
        ds.ImageOrientationPatient = spec.get("orientation", [1, 0, 0, 0, 1, 0])
        ds.PixelSpacing = spec.get("pixel_spacing", [1, 1])
    if "instance_number" in spec:
        ds.InstanceNumber = spec["instance_number"]
    if "image_type" in spec:
        ds.ImageType = spec["image_type"]
    with open(spec["pixels"], "rb") as handle:
        pixels = handle.read()
    ds.add_new(0x7FE00010, "OW" if ds.BitsAllocated > 8 else "OB", pixels)
    ds.save_as(spec["path"], write_like_original=False)


for entry in json.load(sys.stdin):
    write(entry)
