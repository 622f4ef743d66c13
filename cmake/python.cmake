# The Python package (python/): the extension som._som over this build's
# libsom.a and libsom_render.a, built by python/setup.py into
# ${PROJECT_BINARY_DIR}/python (the package as installed: som/*.py and
# _som*.so), for ctest's python test and `make python` / `make install`.
# Only in a plain build: the extension is linked into an uninstrumented
# interpreter, so sanitizer and fuzz builds leave it out. Debian's
# /usr/bin/python3 with python3-dev and python3-numpy (scripts/setup-deps.sh
# --test installs them); SOM_PYTHON names another interpreter.
set(SOM_PYTHON /usr/bin/python3 CACHE FILEPATH "The Python interpreter the som package is built for")
set(SOM_HAVE_PYTHON OFF)
set(SOM_PYTHON_WHY "")
if(SOM_ASAN OR SOM_UBSAN OR SOM_TSAN OR SOM_FUZZ)
  set(SOM_PYTHON_WHY "a sanitizer or fuzz build")
elseif(NOT SOM_HAVE_RENDER)
  set(SOM_PYTHON_WHY "libsom_render is not built (Cairo missing)")
elseif(NOT EXISTS ${SOM_PYTHON})
  set(SOM_PYTHON_WHY "${SOM_PYTHON} not found")
else()
  execute_process(COMMAND ${SOM_PYTHON} -c
    "import sysconfig, os, numpy, setuptools; print(os.path.exists(os.path.join(sysconfig.get_paths()['include'], 'Python.h')))"
    OUTPUT_VARIABLE _py_h RESULT_VARIABLE _py_rc ERROR_QUIET OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT _py_rc EQUAL 0)
    set(SOM_PYTHON_WHY "${SOM_PYTHON} has no numpy or setuptools (python3-numpy, python3-setuptools)")
  elseif(NOT _py_h STREQUAL "True")
    set(SOM_PYTHON_WHY "Python.h missing (python3-dev)")
  else()
    set(SOM_HAVE_PYTHON ON)
  endif()
endif()

if(SOM_HAVE_PYTHON)
  file(GLOB SOM_PYTHON_SOURCES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/python/src/*.[ch]
    ${PROJECT_SOURCE_DIR}/python/som/*.py ${PROJECT_SOURCE_DIR}/python/setup.py)
  set(_stamp ${PROJECT_BINARY_DIR}/python/.built)
  add_custom_command(OUTPUT ${_stamp}
    COMMAND ${CMAKE_COMMAND} -E env SOM_BUILD_DIR=${PROJECT_BINARY_DIR}
      ${SOM_PYTHON} setup.py -q build --build-base ${PROJECT_BINARY_DIR}/python-build
      --build-lib ${PROJECT_BINARY_DIR}/python
    COMMAND ${CMAKE_COMMAND} -E touch ${_stamp}
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}/python
    DEPENDS ${SOM_PYTHON_SOURCES} som_static som_render
    COMMENT "Building the Python package (som._som)" VERBATIM)
  add_custom_target(python ALL DEPENDS ${_stamp})
  # make install: the package for that interpreter, under PREFIX's
  # site-packages (Debian: /usr/local/lib/python3.X/dist-packages, or
  # /usr/lib/python3/dist-packages for PREFIX /usr).
  execute_process(COMMAND ${SOM_PYTHON} -c
    "import sys; print('lib/python3/dist-packages' if sys.argv[1] == '/usr' else 'lib/python%d.%d/dist-packages' % sys.version_info[:2])"
    ${CMAKE_INSTALL_PREFIX} OUTPUT_VARIABLE SOM_PYTHON_SITE OUTPUT_STRIP_TRAILING_WHITESPACE)
  install(DIRECTORY ${PROJECT_BINARY_DIR}/python/som DESTINATION ${SOM_PYTHON_SITE}
    PATTERN __pycache__ EXCLUDE)
else()
  message(STATUS "Python package not built: ${SOM_PYTHON_WHY}")
endif()
