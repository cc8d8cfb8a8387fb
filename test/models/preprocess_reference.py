"""Reference image preprocessing for test/models/preprocess-reference.test.ts: the published definition of
CLIP's and MobileCLIP's input, done with Pillow as torchvision and Hugging Face's CLIPImageProcessor do it.

    EXIF orientation applied (ImageOps.exif_transpose), RGB, the shorter side resized to `size` with the
    longer one int(size * long / short) (Image.resize, bicubic or bilinear, 8-bit), the centre size x size
    cropped at offsets round((resized - size) / 2), scaled to [0, 1], (v - mean) / std, planar RGB.

Usage: python3 preprocess_reference.py <spec.json> <out.f32> <image>...
spec.json: {"size": 224, "resize": "shortest-edge", "interpolation": "bicubic", "mean": [...], "std": [...]}
Writes the float32 tensors of all images, one after another, to out.f32.
"""
import json
import sys

import numpy as np
from PIL import Image, ImageOps


def preprocess(path, spec):
    size = spec["size"]
    image = ImageOps.exif_transpose(Image.open(path)).convert("RGB")
    width, height = image.size
    if spec["resize"] == "squash":
        resized_width, resized_height = size, size
    elif width <= height:
        resized_width, resized_height = size, int(size * height / width)
    else:
        resized_width, resized_height = int(size * width / height), size
    resample = Image.BICUBIC if spec["interpolation"] == "bicubic" else Image.BILINEAR
    image = image.resize((resized_width, resized_height), resample)
    left = int(round((resized_width - size) / 2.0))
    top = int(round((resized_height - size) / 2.0))
    image = image.crop((left, top, left + size, top + size))
    pixels = np.asarray(image, dtype=np.float32) / 255.0
    mean = np.asarray(spec["mean"], dtype=np.float32)
    std = np.asarray(spec["std"], dtype=np.float32)
    return ((pixels - mean) / std).transpose(2, 0, 1).astype(np.float32)


def main():
    spec = json.load(open(sys.argv[1]))
    with open(sys.argv[2], "wb") as out:
        for path in sys.argv[3:]:
            out.write(preprocess(path, spec).tobytes())


if __name__ == "__main__":
    main()
