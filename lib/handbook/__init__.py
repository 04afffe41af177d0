"""The GenAI Engineering Handbook's shared library.

Importing `handbook` is fast and loads nothing heavy: each concept lives in its
own module (`client`, `prompts`, `rag`, `evaluate`, `cost`, ...), imported when
a lab asks for it. Start with `handbook.client.chat`.
"""

__version__ = "0.1.0"
