#ifndef BAILIFF_CPCRE2_SHIM_H
#define BAILIFF_CPCRE2_SHIM_H
// bailiff matches raw bytes: the 8-bit code unit library.
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

// PCRE2_UNSET and PCRE2_ZERO_TERMINATED are casts Swift cannot import.
static inline PCRE2_SIZE bailiff_pcre2_unset(void) { return PCRE2_UNSET; }
#endif
