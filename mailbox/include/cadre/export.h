/* Cadre: symbol visibility. The shared library is built with hidden
 * visibility; only functions marked CADRE_API are exported. */
#ifndef CADRE_EXPORT_H
#define CADRE_EXPORT_H

#if defined(CADRE_STATIC_DEFINE)
#define CADRE_API
#elif defined(__GNUC__)
#define CADRE_API __attribute__((visibility("default")))
#else
#define CADRE_API
#endif

#endif /* CADRE_EXPORT_H */
