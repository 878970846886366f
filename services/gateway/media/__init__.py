"""Media uploads judged by their bytes, and served back.

``upload`` reads a multipart file field within a limit; ``photos``, ``voice`` and ``video`` judge
each kind (``containers`` and ``matroska`` hold the parsing voice and video share); ``kinds``
tells which kind an upload is and judges it; ``playback`` serves byte ranges and tickets."""
