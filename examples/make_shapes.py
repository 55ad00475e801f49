#!/usr/bin/python3
"""Draws a small image-classification data set of coloured shapes, as an image_folder reads it.

    python3 examples/make_shapes.py shapes              # shapes/train/{circle,square,triangle}/*, shapes/test/...
    python3 examples/make_shapes.py --one circle c.jpg  # one picture of a circle

Each picture is a circle, a square or a triangle of random colour, size and place on a background
of another random colour, between 40 and 72 pixels on a side (so image_folder needs `size`);
every other one is a JPEG, the rest PNGs, and one in ten is grey. Needs python3-pil.
"""
import argparse
import os
import random

from PIL import Image, ImageDraw

CLASSES = ["circle", "square", "triangle"]


def colour(rng, avoid=None):
    """A random colour at least 200 away (sum of channel distances) from `avoid`."""
    while True:
        c = tuple(rng.randrange(256) for _ in range(3))
        if avoid is None or sum(abs(a - b) for a, b in zip(c, avoid)) >= 200:
            return c


def draw(rng, shape, width, height):
    background = colour(rng)
    image = Image.new("RGB", (width, height), background)
    pen = ImageDraw.Draw(image)
    side = min(width, height)
    size = rng.uniform(0.35, 0.8) * side
    x = rng.uniform(0, width - size)
    y = rng.uniform(0, height - size)
    fill = colour(rng, background)
    if shape == "circle":
        pen.ellipse([x, y, x + size, y + size], fill=fill)
    elif shape == "square":
        pen.rectangle([x, y, x + size, y + size], fill=fill)
    else:
        pen.polygon([(x + size / 2, y), (x, y + size), (x + size, y + size)], fill=fill)
    return image


def save(image, path, grey):
    if grey:
        image = image.convert("L")
    if path.endswith(".jpg"):
        image.save(path, quality=90)
    else:
        image.save(path)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", nargs="?", help="where to write train/ and test/")
    parser.add_argument("--train", type=int, default=1000, help="pictures per class in train/ (1000)")
    parser.add_argument("--test", type=int, default=100, help="pictures per class in test/ (100)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--one", nargs=2, metavar=("SHAPE", "FILE"), help="draw one picture of SHAPE into FILE")
    parser.add_argument("--size", default="97x61", help="WIDTHxHEIGHT of the --one picture (97x61)")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    if args.one:
        shape, path = args.one
        width, height = (int(v) for v in args.size.split("x"))
        save(draw(rng, shape, width, height), path, grey=False)
        return
    if not args.folder:
        parser.error("give a folder, or --one SHAPE FILE")
    for split, count in (("train", args.train), ("test", args.test)):
        for shape in CLASSES:
            folder = os.path.join(args.folder, split, shape)
            os.makedirs(folder, exist_ok=True)
            for i in range(count):
                side = rng.randrange(40, 73)
                image = draw(rng, shape, side + rng.randrange(-4, 5), side)
                save(image, os.path.join(folder, f"{i:04d}.{'jpg' if i % 2 else 'png'}"), grey=i % 10 == 5)


if __name__ == "__main__":
    main()
