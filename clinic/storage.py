"""The S3 storage the site uses in production: django-storages' S3Storage that can also read
one byte range of an object.

S3Storage's own file object downloads the whole object on its first read, so seeking into a
50 MB video for each of a phone's range requests would fetch 50 MB each time. `open_range`
asks the store for just the bytes wanted (an S3 GET with a Range header), which
clinic/byte_ranges.py uses when the storage offers it.
"""

from __future__ import annotations

from storages.backends.s3 import S3Storage
from storages.utils import clean_name


class RangedS3Storage(S3Storage):
    def open_range(self, name: str, first: int, last: int):
        """A readable stream of bytes first..last (inclusive) of the stored file."""
        key = self._normalize_name(clean_name(name))
        return self.bucket.Object(key).get(Range=f"bytes={first}-{last}")["Body"]
