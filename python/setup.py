# SPDX-License-Identifier: MIT
"""Builds som._som, the CPython extension over libsom.

It links the static libsom.a and libsom_render.a of a CMake build tree (the
objects are position-independent), so the installed extension needs no
libsom.so at run time, only the Debian libraries libsom itself uses:

    cmake -S .. -B ../build -DCMAKE_BUILD_TYPE=Release && cmake --build ../build
    pip install --no-build-isolation ./python     # or: make python

SOM_BUILD_DIR names the build tree (default: ../build beside this file),
SOM_ROOT the source tree whose include/ to use (default: ..).
Everything comes from Debian packages (python3-dev, python3-numpy,
python3-setuptools); nothing is downloaded.
"""
import os
import re
import shlex
import subprocess
import sys

import numpy
from setuptools import Extension, setup

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.environ.get("SOM_ROOT", os.path.dirname(HERE)))  # include/ is there
BUILD = os.path.abspath(os.environ.get("SOM_BUILD_DIR", os.path.join(ROOT, "build")))


def libsom_version():
    text = open(os.path.join(ROOT, "include", "som.h"), encoding="utf-8").read()
    part = [re.search(r"#define SOM_VERSION_%s (\d+)" % k, text).group(1) for k in ("MAJOR", "MINOR", "PATCH")]
    return ".".join(part)


def pkg_config(*args):
    out = subprocess.run(["pkg-config", *args], check=True, capture_output=True, text=True).stdout
    return shlex.split(out)


def archives():
    libs = [os.path.join(BUILD, "libsom_render.a"), os.path.join(BUILD, "libsom.a")]
    missing = [p for p in libs if not os.path.exists(p)]
    if missing and "egg_info" not in sys.argv and "dist_info" not in sys.argv:
        sys.exit("som: %s not found: build libsom first (cmake --build %s), or set SOM_BUILD_DIR"
                 % (", ".join(missing), BUILD))
    return libs


link = pkg_config("--libs", "cairo", "openblas", "lapacke", "zlib", "jansson") + ["-lcsv", "-lm", "-fopenmp"]
cflags = [f for f in pkg_config("--cflags", "cairo") if f.startswith("-I")]

ext = Extension(
    "som._som",
    sources=[os.path.join("src", f) for f in
             ("module.c", "data.c", "longcall.c", "map.c", "fit.c", "render.c")],
    include_dirs=[os.path.join(ROOT, "include"), numpy.get_include()] + [f[2:] for f in cflags],
    extra_objects=archives(),
    # setuptools relinks only when these are newer than the extension
    depends=archives() + [os.path.join(ROOT, "include", h) for h in ("som.h", "som_render.h")]
    + [os.path.join("src", "pysom.h")],
    extra_compile_args=["-std=c11", "-D_GNU_SOURCE", "-Wall", "-Wextra", "-Wno-missing-field-initializers",
                        "-Wno-cast-function-type"],
    extra_link_args=link,
)

setup(
    name="som",
    version=libsom_version(),
    description="Self-organizing maps: Python front-end of libsom",
    packages=["som"],
    ext_modules=[ext],
)
