# Cadre's dependencies, found through pkg-config. A missing one stops
# configure with the Debian package to install.
find_package(PkgConfig QUIET)
if(NOT PKG_CONFIG_FOUND)
  message(FATAL_ERROR "pkg-config not found: install the Debian package 'pkg-config' (apt-get install pkg-config)")
endif()

pkg_check_modules(CK QUIET IMPORTED_TARGET ck>=0.7.1)
if(NOT CK_FOUND)
  message(FATAL_ERROR "Concurrency Kit (pkg-config 'ck' >= 0.7.1) not found: install the Debian package 'libck-dev' (apt-get install libck-dev)")
endif()

# libzmq (Debian: libzmq3-dev): distribution's transport (core/src/dist/).
pkg_check_modules(ZMQ QUIET IMPORTED_TARGET libzmq>=4.3)
if(NOT ZMQ_FOUND)
  message(FATAL_ERROR "ZeroMQ (pkg-config 'libzmq' >= 4.3) not found: install the Debian package 'libzmq3-dev' (apt-get install libzmq3-dev)")
endif()

if(CADRE_WITH_JEMALLOC AND NOT CADRE_SANITIZE)
  pkg_check_modules(JEMALLOC QUIET IMPORTED_TARGET jemalloc>=5.3)
  if(NOT JEMALLOC_FOUND)
    message(FATAL_ERROR "jemalloc (pkg-config 'jemalloc' >= 5.3) not found: install the Debian package 'libjemalloc-dev' (apt-get install libjemalloc-dev)")
  endif()
  # Cadre links jemalloc's position-independent archive into itself, as a
  # private copy (see "Memory" in docs/architecture.md), never libjemalloc.so.
  find_library(CADRE_JEMALLOC_PIC NAMES libjemalloc_pic.a
    HINTS ${JEMALLOC_LIBDIR} ${JEMALLOC_LIBRARY_DIRS} NO_DEFAULT_PATH)
  find_library(CADRE_JEMALLOC_PIC NAMES libjemalloc_pic.a)
  if(NOT CADRE_JEMALLOC_PIC)
    message(FATAL_ERROR "jemalloc's libjemalloc_pic.a not found: install the Debian package 'libjemalloc-dev' (apt-get install libjemalloc-dev)")
  endif()
endif()

# liburing (Debian: liburing-dev): regular-file I/O through io_uring
# (core/src/io/files_uring.c). Optional: without it, and at run time where
# the kernel refuses io_uring, files go through Cadre's file threads. Like
# jemalloc, its static archive is linked into libcadre as a private copy
# (its io_uring_* symbols stay local), so programs need nothing more.
option(CADRE_WITH_URING "Regular files through io_uring when liburing is found" ON)
set(CADRE_URING_A "")
if(CADRE_WITH_URING)
  pkg_check_modules(URING QUIET liburing>=2.1)
  if(URING_FOUND)
    find_library(CADRE_URING_ARCHIVE NAMES liburing.a HINTS ${URING_LIBDIR} ${URING_LIBRARY_DIRS})
  endif()
  if(CADRE_URING_ARCHIVE)
    set(CADRE_URING_A "${CADRE_URING_ARCHIVE}")
  else()
    message(STATUS "cadre: liburing not found (Debian: liburing-dev): regular files use the file threads only")
  endif()
endif()
