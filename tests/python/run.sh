#!/bin/sh
# tests/python/run.sh PYTHON BUILD_DIR SOM: pytest over tests/python with the
# package CMake built into BUILD_DIR/python (cmake/python.cmake).
# Exit 77 (skipped) only when PYTHON has no numpy: the package needs it.
set -u
py=$1 build=$2 som=$3
here=$(cd "$(dirname "$0")" && pwd)
if ! "$py" -c 'import numpy' 2>/dev/null; then
    echo "skipped: $py has no numpy (Debian: apt-get install python3-numpy; make test installs it)"
    exit 77
fi
if [ "${SOM_HAVE_PYTHON:-ON}" != ON ]; then
    echo "error: the Python package was not built: ${SOM_PYTHON_WHY:-unknown reason} (scripts/setup-deps.sh --test)" >&2
    exit 1
fi
if ! "$py" -c 'import pytest' 2>/dev/null; then
    echo "error: $py has no pytest (python3-pytest; scripts/setup-deps.sh --test installs it)" >&2
    exit 1
fi
export PYTHONPATH="$build/python" SOM_PROGRAM="$som" PYTHONDONTWRITEBYTECODE=1
cd "$here" && exec "$py" -m pytest -q -p no:cacheprovider "$here" ${PYTEST_ARGS:-}
