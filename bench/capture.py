#!/usr/bin/env python3
"""A protoc plugin that saves the CodeGeneratorRequest it is given to $CAPTURE_TO and
answers an empty CodeGeneratorResponse (zero bytes: every field is absent), so the
benchmark can run each generator on the very same request bytes without protoc."""

import os
import sys

with open(os.environ["CAPTURE_TO"], "wb") as out:
    out.write(sys.stdin.buffer.read())
