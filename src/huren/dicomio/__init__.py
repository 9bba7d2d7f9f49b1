"""Read DICOM input (files, folders, zips), turn it into images, group series.

Everything that touches pydicom's reading lives here, so that analysis code works
on :class:`Image` objects: a float pixel array with the modality LUT applied, its
geometry in millimetres and the header it came from. Bad input never raises out of
:func:`load`: each unreadable file becomes an :class:`~huren.result.InputError`
with a Chinese and an English reason.
"""

from huren.dicomio.reader import (
    DicomInputError,
    Image,
    LoadReport,
    as_image,
    as_images,
    collision_note,
    content_key,
    device_info,
    group_series,
    images_from,
    is_localiser,
    load,
    load_images,
    pixels,
    release_pixels,
    uid_collisions,
)

__all__ = [
    "as_image",
    "as_images",
    "collision_note",
    "content_key",
    "DicomInputError",
    "Image",
    "LoadReport",
    "device_info",
    "group_series",
    "images_from",
    "is_localiser",
    "load",
    "load_images",
    "pixels",
    "release_pixels",
    "uid_collisions",
]
