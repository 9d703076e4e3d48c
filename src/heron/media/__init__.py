"""Rich values for ``log()``: images, histograms, tables, video, audio, HTML and plots.

Each media class validates its input when it is built (cheap, in the training loop) and writes its
files only when ``to_json`` is called by the background writer. Importing this package imports
neither numpy, Pillow nor torch: they are imported when a value needs them.
"""

from heron.media.audio import Audio
from heron.media.base import DirectoryMediaWriter, Media, MediaWriter
from heron.media.histogram import Histogram, histogram_of_tensor
from heron.media.html import Html
from heron.media.image import Image
from heron.media.image_list import ImageList, as_media_list, media_list_json
from heron.media.kind_lists import KindList, as_kind_list
from heron.media.plotly import Plotly, is_plotly_figure, plot_media
from heron.media.table import Table
from heron.media.video import Video

__all__ = [
    "Audio",
    "DirectoryMediaWriter",
    "Histogram",
    "Html",
    "Image",
    "ImageList",
    "KindList",
    "Media",
    "MediaWriter",
    "Plotly",
    "Table",
    "Video",
    "as_kind_list",
    "as_media_list",
    "histogram_of_tensor",
    "is_plotly_figure",
    "media_list_json",
    "plot_media",
]
