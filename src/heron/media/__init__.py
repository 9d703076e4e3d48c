"""Rich values for ``log()``: images, histograms and tables.

Each media class validates its input when it is built (cheap, in the training loop) and writes its
files only when ``to_json`` is called by the background writer. Importing this package imports
neither numpy, Pillow nor torch: they are imported when a value needs them.
"""

from heron.media.base import DirectoryMediaWriter, Media, MediaWriter
from heron.media.histogram import Histogram, histogram_of_tensor
from heron.media.image import Image
from heron.media.image_list import ImageList, as_media_list, media_list_json
from heron.media.table import Table

__all__ = [
    "DirectoryMediaWriter",
    "Histogram",
    "Image",
    "ImageList",
    "Media",
    "MediaWriter",
    "Table",
    "as_media_list",
    "histogram_of_tensor",
    "media_list_json",
]
