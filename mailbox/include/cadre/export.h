/**
 * @file
 * Cadre: symbol visibility. The shared library is built with hidden
 * visibility; only functions marked CADRE_API are exported.
 */
#ifndef CADRE_EXPORT_H
#define CADRE_EXPORT_H

#ifdef CADRE__DOXYGEN
/** Marks a function libcadre exports (empty with CADRE_STATIC_DEFINE, for
 * the static library). */
#define CADRE_API
#elif defined(CADRE_STATIC_DEFINE)
#define CADRE_API
#elif defined(__GNUC__)
#define CADRE_API __attribute__((visibility("default")))
#else
#define CADRE_API
#endif

#endif /* CADRE_EXPORT_H */
